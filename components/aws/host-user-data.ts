import { stringify } from "yaml";
import type { AgentConfig } from "../../host/agent/config";
import type { HostPoolModel } from "../../config/host-model";
import { AGENT_CONFIG, AGENT_UNIT, agentUnit, FIREWALL_SCRIPT, firewallScript, INSTALL_SCRIPT, installScript, RUNNER_DIR, RUNNER_USER } from "./host-scripts";

/** EC2 refuses user-data over 16 KB; we keep well under to leave room for growth. */
export const USER_DATA_LIMIT = 16 * 1024;

export interface HostWiring {
  secretArn: string;
  region: string;
  agentS3Uri: string;
  agentSha256: string;
}

/** The agent's config file: where the credential is, never the credential. */
export function agentConfig(pool: HostPoolModel, w: HostWiring): AgentConfig {
  return {
    githubUrl: pool.githubUrl,
    apiUrl: pool.apiUrl,
    labels: pool.labels,
    runnerGroup: pool.config.runnerGroup ?? null,
    slots: pool.config.runnersPerHost,
    ephemeral: pool.config.ephemeral,
    idleTimeoutSeconds: pool.config.idleTimeoutMinutes * 60,
    workRoot: "/var/lib/runner-fleet/work",
    slotsRoot: "/var/lib/runner-fleet/slots",
    runnerDir: RUNNER_DIR,
    runnerUser: RUNNER_USER,
    workMaxAgeHours: pool.config.workMaxAgeHours,
    secretArn: w.secretArn,
    region: w.region,
    poolName: pool.name,
    asgName: pool.asgName,
    endpoints: { imds: "http://169.254.169.254" },
    tickSeconds: 5,
  };
}

/** cloud-init user-data: write the files, run the installer. Small, and no secret in it. */
export function hostUserData(pool: HostPoolModel, w: HostWiring): string {
  const doc = {
    write_files: [
      { path: AGENT_CONFIG, owner: "root:root", permissions: "0600", content: JSON.stringify(agentConfig(pool, w), null, 1) + "\n" },
      { path: INSTALL_SCRIPT, owner: "root:root", permissions: "0700", content: installScript({ os: pool.config.os, arch: pool.arch, agentS3Uri: w.agentS3Uri, agentSha256: w.agentSha256 }) },
      { path: FIREWALL_SCRIPT, owner: "root:root", permissions: "0700", content: firewallScript() },
      { path: `/etc/systemd/system/${AGENT_UNIT}`, owner: "root:root", permissions: "0644", content: agentUnit() },
    ],
    runcmd: [[INSTALL_SCRIPT]],
  };
  const text = `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
  if (Buffer.byteLength(text) > USER_DATA_LIMIT / 2) throw new Error(`user-data for ${pool.name} is ${Buffer.byteLength(text)} bytes; keep it under half of EC2's 16 KB`);
  return text;
}
