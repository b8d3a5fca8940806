import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import type { HostPoolModel } from "../../config/host-model";
import type { AgentConfig } from "../../protocol/agent-config";
import { AGENT_CONFIG_PATH, DEFAULT_GIT_SERVERS } from "../../protocol/agent-config";
import type { DockerMode } from "./host-packages";
import { AGENT_UNIT, agentUnit, FIREWALL_SCRIPT, firewallScript, INSTALL_SCRIPT, installScript } from "./host-scripts";

/** EC2 refuses user-data over 16 KB; we keep under half of it to leave room for growth. */
export const USER_DATA_LIMIT = 16 * 1024;
export const IMDS_URL = "http://169.254.169.254";
/** Slots, runner releases and work live here (protocol: AgentConfig.root). */
export const HOST_ROOT = "/var/lib/runner-fleet";

/** What the stack tells a pool's hosts besides the pool's own config. No secret: hosts hold none. */
export interface HostWiring {
  region: string;
  /** s3://<bucket>/<key> of the agent bundle, and its SHA-256 (hosts refuse any other bytes). */
  agentS3Uri: string;
  agentSha256: string;
  /** The control plane's broker function URL (AWS_IAM auth). */
  brokerUrl: string;
  /** The runner mirror (protocol/mirror.ts) hosts install from. */
  mirror: { bucket: string; manifestKey: string };
  /** The launch lifecycle hook the host completes once installed (pools with a warm pool). */
  lifecycleHookName?: string;
  /** The partition's DNS suffix: amazonaws.com, amazonaws.com.cn. */
  dnsSuffix?: string;
  /** Stand-ins for tests; absent in AWS. */
  endpoints?: { imds?: string; s3?: string; autoscaling?: string };
  /** Tests only: a faster agent clock than a pool's minutes allow. */
  agentTuning?: Partial<Pick<AgentConfig, "tickSeconds" | "idleTimeoutSeconds" | "manifestCheckSeconds" | "retry">>;
}

/**
 * Pool settings from the config schema's runtime keys (docker, recycleAfterJob); read through
 * this view with their schema defaults so the user-data does not depend on when they land.
 */
type RuntimeKeys = { docker?: DockerMode; recycleAfterJob?: boolean };
function runtime(pool: HostPoolModel): { docker: DockerMode; recycleAfterJob: boolean } {
  const c = pool.config as HostPoolModel["config"] & RuntimeKeys;
  return { docker: c.docker ?? "rootless", recycleAfterJob: c.recycleAfterJob ?? false };
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an s3://bucket/key URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

/** A bucket's base URL: virtual-hosted in AWS, path-style against a test endpoint. */
function bucketUrl(bucket: string, w: HostWiring): string {
  return w.endpoints?.s3 ? `${w.endpoints.s3.replace(/\/$/, "")}/${bucket}` : `https://${bucket}.s3.${w.region}.${w.dnsSuffix ?? "amazonaws.com"}`;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The agent's config file (protocol/agent-config.ts): where things are, never a credential. */
export function agentConfig(pool: HostPoolModel, w: HostWiring): AgentConfig {
  const c = pool.config;
  const r = runtime(pool);
  const endpoints: AgentConfig["endpoints"] = { imds: w.endpoints?.imds ?? IMDS_URL };
  if (w.endpoints?.s3) endpoints.s3 = w.endpoints.s3;
  if (w.endpoints?.autoscaling) endpoints.autoscaling = w.endpoints.autoscaling;
  return {
    poolName: pool.name,
    asgName: pool.asgName,
    region: w.region,
    brokerUrl: w.brokerUrl,
    slots: c.runnersPerHost,
    ephemeral: c.ephemeral,
    recycleAfterJob: r.recycleAfterJob,
    docker: r.docker,
    idleTimeoutSeconds: c.idleTimeoutMinutes * 60,
    root: HOST_ROOT,
    mirror: w.mirror,
    workMaxAgeHours: c.workMaxAgeHours,
    tickSeconds: 5,
    // GitHub's window is 30 days after the next release: a small GET every 15 minutes is plenty.
    manifestCheckSeconds: 900,
    endpoints,
    // The agent's own default is written out only when the pool differs from it (GHES, a mirror).
    ...(sameList(pool.gitServers, DEFAULT_GIT_SERVERS) ? {} : { gitServers: pool.gitServers }),
    ...(w.lifecycleHookName ? { warmPool: { hookName: w.lifecycleHookName } } : {}),
    ...w.agentTuning,
  };
}

/** cloud-init user-data: write the config, scripts and unit, run the installer. Small, no secret. */
export function hostUserData(pool: HostPoolModel, w: HostWiring): string {
  const agent = parseS3Uri(w.agentS3Uri);
  const install = installScript({
    os: pool.config.os,
    arch: pool.arch,
    docker: runtime(pool).docker,
    pool: pool.name,
    region: w.region,
    brokerUrl: w.brokerUrl,
    imdsUrl: w.endpoints?.imds ?? IMDS_URL,
    mirrorBucketUrl: bucketUrl(w.mirror.bucket, w),
    manifestKey: w.mirror.manifestKey,
    agentUrl: `${bucketUrl(agent.bucket, w)}/${agent.key}`,
    agentSha256: w.agentSha256,
  });
  const doc = {
    write_files: [
      { path: AGENT_CONFIG_PATH, owner: "root:root", permissions: "0600", content: JSON.stringify(agentConfig(pool, w)) + "\n" },
      // Compressed (cloud-init's gz+b64 encoding): the script is most of the user-data's size.
      { path: INSTALL_SCRIPT, owner: "root:root", permissions: "0700", encoding: "gz+b64", content: gzipSync(install, { level: 9 }).toString("base64") },
      { path: FIREWALL_SCRIPT, owner: "root:root", permissions: "0700", content: firewallScript() },
      { path: `/etc/systemd/system/${AGENT_UNIT}`, owner: "root:root", permissions: "0644", content: agentUnit() },
    ],
    runcmd: [[INSTALL_SCRIPT]],
  };
  const text = `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
  if (Buffer.byteLength(text) > USER_DATA_LIMIT / 2) throw new Error(`user-data for ${pool.name} is ${Buffer.byteLength(text)} bytes; keep it under half of EC2's 16 KB`);
  return text;
}
