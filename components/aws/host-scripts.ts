import type { Arch } from "../../config/arch";
import { DEBIAN_VERSION, needsFor, type DockerMode, type HostOs, type Need } from "./host-packages";
import { AGENT_CONFIG_PATH } from "../../protocol/agent-config";

export type { DockerMode, HostOs } from "./host-packages";

export const AGENT_DIR = "/usr/local/lib/runner-fleet";
/** The agent's own Node: the glibc build from the mirrored runner tarball, copied root-owned. */
export const AGENT_NODE = `${AGENT_DIR}/node`;
export const AGENT_JS = `${AGENT_DIR}/agent.js`;
export const AGENT_CONFIG = AGENT_CONFIG_PATH;
export const INSTALL_SCRIPT = "/usr/local/sbin/runner-fleet-install";
export const FIREWALL_SCRIPT = "/usr/local/sbin/runner-fleet-firewall";
export const AGENT_UNIT = "runner-fleet-agent.service";
/** Where the runner tarball carries its glibc Node (externals.sh: node24 from nodejs.org; node24_alpine is musl). */
export const RUNNER_NODE_PATH = "externals/node24/bin/node";
/** SHA-256 of an empty payload: S3 wants x-amz-content-sha256 on every SigV4 request. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** The public SSM parameter that names the current AMI of the OS for the arch (Debian publishes its own under /aws/service/debian). */
export function amiParameter(os: HostOs, arch: Arch): string {
  switch (os) {
    case "debian":
    case "debian-12":
      return `/aws/service/debian/release/${DEBIAN_VERSION[os]}/latest/${arch}`;
    case "ubuntu":
      return `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;
    case "al2023":
      return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch === "arm64" ? "arm64" : "x86_64"}`;
  }
}

/** The AMI's root device name, so the launch template resizes the root volume instead of adding one (Debian's uploader registers /dev/xvda). */
export function rootDevice(os: HostOs): string {
  return os === "ubuntu" ? "/dev/sda1" : "/dev/xvda";
}

/**
 * The install refuses an image of another OS or release than the pool's: the packages it names
 * and the paths it expects are those of that release (os-release's ID and VERSION_ID).
 */
function osCheck(os: HostOs): { test: string; name: string } {
  // Read, not sourced: the file is the image's, and the script runs as root.
  const release = (id: string, version: string): string => `{ grep -qxE ${q(`ID="?${id}"?`)} /etc/os-release && grep -qxF ${q(`VERSION_ID="${version}"`)} /etc/os-release; }`;
  switch (os) {
    case "debian":
    case "debian-12":
      return { test: release("debian", DEBIAN_VERSION[os]), name: `Debian ${DEBIAN_VERSION[os]}` };
    case "ubuntu":
      return { test: release("ubuntu", "24.04"), name: "Ubuntu 24.04" };
    case "al2023":
      return { test: "[ -e /etc/amazon-linux-release ]", name: "Amazon Linux 2023" };
  }
}

export interface InstallInput {
  os: HostOs;
  arch: Arch;
  docker: DockerMode;
  pool: string;
  region: string;
  brokerUrl: string;
  imdsUrl: string;
  /** Base URL of the mirror's bucket, keys appended (virtual-hosted in AWS, path-style for test endpoints). */
  mirrorBucketUrl: string;
  manifestKey: string;
  /** Full URL of the agent bundle object and its SHA-256. */
  agentUrl: string;
  agentSha256: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const list = (needs: Need[]): string => `(${needs.map((n) => q(n.join(" "))).join(" ")})`;

/** Install only what is missing: a warm or baked image (and the offline test root) never reach the repositories. */
function packagesSection(os: HostOs, docker: DockerMode): string {
  const { required, optional } = needsFor(os, docker);
  if (os === "al2023") {
    return `have() { local p; for p in $1; do rpm -q --whatprovides "$p" >/dev/null 2>&1 && return 0; done; return 1; }
required=${list(required)} optional=${list(optional)} missing=() maybe=()
for need in "\${required[@]}"; do have "$need" || missing+=("\${need%% *}"); done
for need in "\${optional[@]}"; do have "$need" || maybe+=("$need"); done
if [ \${#missing[@]} -gt 0 ]; then log "installing \${missing[*]}"; dnf install -y -q --setopt=install_weak_deps=False "\${missing[@]}"; fi
for p in "\${maybe[@]}"; do
  if dnf -q list --available "$p" >/dev/null 2>&1; then dnf install -y -q "$p"; else log "$p: not in this image's repositories"; fi
done`;
  }
  return `have() { local p; for p in $1; do [ "$(dpkg-query -W -f='\${db:Status-Status}' "$p" 2>/dev/null)" = installed ] && return 0; done; return 1; }
required=${list(required)} todo=()
for need in "\${required[@]}"; do have "$need" || todo+=("$need"); done
if [ \${#todo[@]} -gt 0 ]; then
  apt-get update -q
  pkgs=()
  for need in "\${todo[@]}"; do
    pick=""
    for p in $need; do apt-cache show "$p" >/dev/null 2>&1 && { pick=$p; break; }; done
    [ -n "$pick" ] || fail "no package of: $need"
    pkgs+=("$pick")
  done
  log "installing \${pkgs[*]}"
  apt-get install -y -q --no-install-recommends "\${pkgs[@]}"
fi`;
}

function dockerSection(docker: DockerMode): string {
  if (docker === "none") return "";
  if (docker === "rootful") {
    return `step docker
# One slot, recycled after its job: the job may have the host's root daemon.
systemctl enable --now docker.service`;
  }
  return `step docker
# A rootless daemon per slot (the agent starts it as the slot's user); the host's root daemon stays off.
for u in docker.socket docker.service; do
  if systemctl cat "$u" >/dev/null 2>&1; then systemctl disable --now "$u"; fi
done
if ! command -v dockerd-rootless.sh >/dev/null; then
  for f in /usr/share/docker.io/contrib/dockerd-rootless.sh /usr/libexec/docker/dockerd-rootless.sh; do
    if [ -x "$f" ]; then ln -sf "$f" /usr/local/bin/dockerd-rootless.sh; break; fi
  done
fi
for c in dockerd dockerd-rootless.sh rootlesskit newuidmap newgidmap; do
  command -v "$c" >/dev/null || fail "rootless docker needs $c, which this image's repositories lack (bake it into the image, or set docker: none)"
done
if [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
  echo 'user.max_user_namespaces = 28633' > /etc/sysctl.d/60-runner-fleet-userns.conf
  sysctl -q -w user.max_user_namespaces=28633
fi
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ]; then
  # Ubuntu 24.04 denies user namespaces to programs without an AppArmor profile that allows them.
  rk=$(readlink -f "$(command -v rootlesskit)")
  if ! grep -rqsF "$rk" /etc/apparmor.d; then
    printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile runner-fleet-rootlesskit %s flags=(unconfined) {\\n  userns,\\n}\\n' "$rk" > /etc/apparmor.d/runner-fleet-rootlesskit
    apparmor_parser -r /etc/apparmor.d/runner-fleet-rootlesskit
  fi
fi`;
}

/**
 * Keys read from the manifest are held to plain characters before use: curl's SigV4 signer (7.88
 * on Debian 12, 8.14 on Debian 13, 8.5 on Ubuntu 24.04) mis-signs some paths (':', '*'; curl issues 7559, 18423).
 *
 * First boot, as root under cloud-init: OS packages (only missing ones), /proc with hidepid=2, the
 * agent's Node from the mirrored runner tarball and the agent bundle from the pool bucket (both
 * SHA-256 checked, fetched with the instance role: curl's SigV4, no AWS CLI), docker per the
 * pool, then the agent. Never downloads from GitHub. On any failure it reports install-failed to
 * the broker itself (the agent may be what failed) and exits non-zero for cloud-init to show.
 */
export function installScript(o: InstallInput): string {
  const machine = o.arch === "arm64" ? "aarch64" : "x86_64";
  const platform = o.arch === "arm64" ? "linux-arm64" : "linux-x64";
  const os = osCheck(o.os);
  return `#!/bin/bash
# runner-fleet host install: pool ${o.pool}, ${o.os} ${o.arch}, docker ${o.docker}. Safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
POOL=${q(o.pool)} REGION=${q(o.region)} BROKER=${q(o.brokerUrl)} IMDS=${q(o.imdsUrl)}
MIRROR=${q(o.mirrorBucketUrl)} MANIFEST=${q(o.manifestKey)} AGENT_URL=${q(o.agentUrl)} AGENT_SHA=${q(o.agentSha256)}
LIB=${AGENT_DIR} AK="" SK="" ST="" STEP=start T0=$(date +%s%3N)
log() { echo "runner-fleet-install: $*" >&2; }
step() { STEP=$1; log "step=$1 ms=$(($(date +%s%3N) - T0))"; }
fail() { STEP=$1; exit 1; }
# Secrets go to curl on stdin (-K -), never on a command line.
signed() {
  local svc=$1; shift
  printf 'user = "%s:%s"\\nheader = "x-amz-security-token: %s"\\n' "$AK" "$SK" "$ST" \\
    | curl -fsS --retry 5 --retry-connrefused --retry-delay 1 --connect-timeout 5 --max-time 600 --aws-sigv4 "aws:amz:$REGION:$svc" -K - "$@"
}
json() { python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }
creds() {
  local tok role j
  tok=$(curl -fsS --retry 5 --retry-connrefused --connect-timeout 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 900' "$IMDS/latest/api/token")
  role=$(curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $tok" "$IMDS/latest/meta-data/iam/security-credentials/")
  j=$(curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $tok" "$IMDS/latest/meta-data/iam/security-credentials/\${role%%$'\\n'*}")
  AK=$(json AccessKeyId <<<"$j") SK=$(json SecretAccessKey <<<"$j") ST=$(json Token <<<"$j")
}
report() {
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"v":1,"action":"report","pool":sys.argv[1],"event":sys.argv[2],"detail":sys.argv[3][:1000]}))' "$POOL" "$1" "$2")
  signed lambda -H 'content-type: application/json' --data-binary "$body" -o /dev/null "$BROKER"
}
# Whatever stops the script, the broker hears of it (the reaper replaces the host) and cloud-init
# shows it: the agent may be the very thing that failed to install, so curl reports, not the agent.
finish() {
  local rc=$?
  [ "$rc" = 0 ] && return
  set +e
  log "FAILED in $STEP (exit $rc)"
  [ -n "$AK" ] || creds
  report install-failed "$STEP (exit $rc)" || log "could not report install-failed to the broker"
}
trap finish EXIT
s3get() { signed s3 -H 'x-amz-content-sha256: ${EMPTY_SHA256}' -o "$2" "$1"; }
checksum() { echo "$1  $2" | sha256sum -c --quiet - || fail "$3: SHA-256 mismatch"; }

step checks
[ "$(uname -m)" = ${machine} ] || fail "this machine is $(uname -m), the pool is ${o.arch}"
${os.test} || fail "this image is not ${os.name}"
step packages
${packagesSection(o.os, o.docker)}
step hidepid

# Processes of other users (other slots' jobs: their environment and argv) are invisible.
if grep -qE '^[[:space:]]*proc[[:space:]]+/proc[[:space:]]' /etc/fstab; then
  sed -i -E 's|^[[:space:]]*proc[[:space:]]+/proc[[:space:]]+proc[[:space:]]+[^[:space:]]+|proc /proc proc defaults,hidepid=2|' /etc/fstab
else
  echo 'proc /proc proc defaults,hidepid=2 0 0' >> /etc/fstab
fi
mount -o remount,hidepid=2 /proc
findmnt -no OPTIONS /proc | grep -qE 'hidepid=(2|invisible)' || fail "/proc did not take hidepid=2"

step fetch
creds
work=$(mktemp -d /var/tmp/runner-fleet-install.XXXXXX)
s3get "$MIRROR/$MANIFEST" "$work/manifest.json"
key=$(json current.assets.${platform}.key < "$work/manifest.json")
sha=$(json current.assets.${platform}.sha256 < "$work/manifest.json")
[[ $key =~ ^[A-Za-z0-9._/-]+$ && $sha =~ ^[0-9a-f]{64}$ ]] || fail "bad manifest entry for ${platform}"
s3get "$MIRROR/$key" "$work/runner.tar.gz"
checksum "$sha" "$work/runner.tar.gz" "$key"
step node
# The glibc Node, named exactly: the tarball also carries musl builds (node24_alpine) that cannot start here.
tar -xzf "$work/runner.tar.gz" -C "$work" --wildcards --no-anchored '${RUNNER_NODE_PATH}'
node=$(find "$work" -path '*/${RUNNER_NODE_PATH}' -type f | head -n 1)
[ -n "$node" ] || fail "no ${RUNNER_NODE_PATH} in $key"
install -d -o root -g root -m 0755 "$LIB"
install -o root -g root -m 0755 "$node" "$LIB/node.new"
"$LIB/node.new" -e 0 || fail "the runner's Node does not start on this machine"
mv -f "$LIB/node.new" "$LIB/node"
step agent
s3get "$AGENT_URL" "$work/agent.js"
checksum "$AGENT_SHA" "$work/agent.js" "agent bundle"
install -o root -g root -m 0644 "$work/agent.js" "$LIB/agent.js"
${dockerSection(o.docker)}
step runner
# The agent's own install of the release (read-only, root-owned) and its slot users, from the
# tarball fetched above: its first start then only registers.
"$LIB/node" "$LIB/agent.js" --prepare ${AGENT_CONFIG} "$work/runner.tar.gz" || fail runner
rm -rf "$work"

step start-agent
systemctl daemon-reload
systemctl enable --now ${AGENT_UNIT}
step finished
`;
}

/**
 * Job code runs as non-root users (one per slot; with rootless docker, its containers' traffic
 * leaves through slirp4netns as that user too): none may reach the instance metadata service, so
 * none can take the instance role. A root daemon's containers are forwarded traffic: the
 * DOCKER-USER chain (which docker jumps to first) refuses them as well, and the launch template's
 * hop limit of 1 keeps IMDSv2 tokens from crossing a bridge. Run before every agent start, since
 * rules do not survive a reboot.
 */
export function firewallScript(): string {
  return `#!/bin/bash
set -euo pipefail
rule() {
  local t=$1 chain=$2; shift 2
  "$t" -w -C "$chain" "$@" 2>/dev/null || "$t" -w -I "$chain" 1 "$@"
}
rule iptables OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT
iptables -w -n -L DOCKER-USER >/dev/null 2>&1 || iptables -w -N DOCKER-USER
rule iptables DOCKER-USER -d 169.254.169.254/32 -j REJECT
if command -v ip6tables >/dev/null 2>&1 && ip6tables -w -n -L OUTPUT >/dev/null 2>&1; then
  rule ip6tables OUTPUT -d fd00:ec2::254/128 -m owner ! --uid-owner 0 -j REJECT
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
ExecStart=${AGENT_NODE} ${AGENT_JS} ${AGENT_CONFIG}
Restart=on-failure
RestartSec=5
# SIGTERM to the agent only: it deregisters its runners and stops their units itself.
KillMode=mixed
TimeoutStopSec=90

[Install]
WantedBy=multi-user.target
`;
}
