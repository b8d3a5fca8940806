import type { Arch } from "../../config/arch";
import { RUNNER_TARBALL_SHA256, runnerTarballUrl } from "../../config/versions";

export type HostOs = "al2023" | "ubuntu";

export const RUNNER_DIR = "/opt/actions-runner";
export const AGENT_DIR = "/usr/local/lib/runner-fleet";
export const AGENT_CONFIG = "/etc/runner-fleet/agent.json";
export const INSTALL_SCRIPT = "/usr/local/sbin/runner-fleet-install";
export const FIREWALL_SCRIPT = "/usr/local/sbin/runner-fleet-firewall";
export const AGENT_UNIT = "runner-fleet-agent.service";
export const RUNNER_USER = "runner";

/** The public SSM parameter that names the current AMI of the OS for the arch. */
export function amiParameter(os: HostOs, arch: Arch): string {
  return os === "al2023"
    ? `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch === "arm64" ? "arm64" : "x86_64"}`
    : `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;
}

export function rootDevice(os: HostOs): string {
  return os === "al2023" ? "/dev/xvda" : "/dev/sda1";
}

const PACKAGES: Record<HostOs, string> = {
  al2023: "dnf install -y -q git tar gzip iptables-nft",
  // Ubuntu's AMIs ship snapd; the AWS CLI is a snap there.
  ubuntu: "apt-get update -q\nDEBIAN_FRONTEND=noninteractive apt-get install -y -q git tar iptables\nsnap install aws-cli --classic",
};

/**
 * First boot: OS packages, the runner user, the runner release (checksum verified), the agent
 * bundle from S3 (checksum verified), then the agent service. Idempotent, so a re-run is safe.
 */
export function installScript(o: { os: HostOs; arch: Arch; agentS3Uri: string; agentSha256: string }): string {
  return `#!/bin/bash
set -euo pipefail
${PACKAGES[o.os]}
id ${RUNNER_USER} >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin ${RUNNER_USER}

tarball=$(mktemp)
curl -fsSL --retry 5 --retry-connrefused -o "$tarball" '${runnerTarballUrl(o.arch)}'
echo '${RUNNER_TARBALL_SHA256[o.arch]}  '"$tarball" | sha256sum -c --quiet -
mkdir -p ${RUNNER_DIR}
tar -xzf "$tarball" -C ${RUNNER_DIR}
rm -f "$tarball"
${RUNNER_DIR}/bin/installdependencies.sh

mkdir -p ${AGENT_DIR}
aws s3 cp --only-show-errors '${o.agentS3Uri}' ${AGENT_DIR}/agent.js
echo '${o.agentSha256}  ${AGENT_DIR}/agent.js' | sha256sum -c --quiet -
node_bin=$(find ${RUNNER_DIR}/externals -maxdepth 3 -path '*/bin/node' | sort -V | tail -n 1)
ln -sf "$node_bin" ${AGENT_DIR}/node

systemctl daemon-reload
systemctl enable --now ${AGENT_UNIT}
`;
}

/**
 * Job code runs as the runner user: it gets no route to the instance metadata service, so it cannot
 * take the instance role (which can read the GitHub credential). Containers are kept off by the
 * launch template's hop limit of 1. Run before every agent start, since rules do not survive reboot.
 */
export function firewallScript(): string {
  return `#!/bin/bash
set -euo pipefail
uid=$(id -u ${RUNNER_USER})
iptables -C OUTPUT -d 169.254.169.254/32 -m owner --uid-owner "$uid" -j REJECT 2>/dev/null \\
  || iptables -I OUTPUT 1 -d 169.254.169.254/32 -m owner --uid-owner "$uid" -j REJECT
if command -v ip6tables >/dev/null 2>&1; then
  ip6tables -C OUTPUT -d fd00:ec2::254/128 -m owner --uid-owner "$uid" -j REJECT 2>/dev/null \\
    || ip6tables -I OUTPUT 1 -d fd00:ec2::254/128 -m owner --uid-owner "$uid" -j REJECT
fi
`;
}

export function agentUnit(): string {
  return `[Unit]
Description=runner-fleet host agent (GitHub Actions runner slots)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStartPre=${FIREWALL_SCRIPT}
ExecStart=${AGENT_DIR}/node ${AGENT_DIR}/agent.js ${AGENT_CONFIG}
Restart=on-failure
RestartSec=15
# SIGTERM to the agent only: it deregisters its runners and stops them itself.
KillMode=mixed
TimeoutStopSec=90

[Install]
WantedBy=multi-user.target
`;
}
