import { readFileSync } from "node:fs";
import type { AgentConfig } from "../../protocol/agent-config";

export type { AgentConfig } from "../../protocol/agent-config";

const fail = (path: string, what: string): never => {
  throw new Error(`${path}: ${what}`);
};

/** The config user-data wrote (protocol/agent-config.ts), checked field by field: a bad file stops the agent at start, not mid-job. */
export function parseConfig(text: string, path = "agent config"): AgentConfig {
  const c = JSON.parse(text) as AgentConfig;
  const str = (k: keyof AgentConfig) => (typeof c[k] === "string" && (c[k] as string).length > 0) || fail(path, `${k} must be a non-empty string`);
  for (const k of ["poolName", "asgName", "region", "brokerUrl", "root"] as const) str(k);
  if (!Number.isInteger(c.slots) || c.slots < 1 || c.slots > 64) fail(path, "slots must be an integer 1..64");
  for (const k of ["ephemeral", "recycleAfterJob"] as const) if (typeof c[k] !== "boolean") fail(path, `${k} must be a boolean`);
  if (!["none", "rootless", "rootful"].includes(c.docker)) fail(path, "docker must be none, rootless or rootful");
  if (c.docker === "rootful" && !(c.slots === 1 && c.recycleAfterJob)) fail(path, "docker rootful needs one slot and recycleAfterJob");
  if (c.recycleAfterJob && c.slots !== 1) fail(path, "recycleAfterJob needs exactly one slot");
  for (const k of ["idleTimeoutSeconds", "workMaxAgeHours", "tickSeconds", "manifestCheckSeconds"] as const) if (typeof c[k] !== "number" || c[k] < 0) fail(path, `${k} must be a number ≥ 0`);
  if (!(c.tickSeconds > 0)) fail(path, "tickSeconds must be > 0");
  if (!(c.manifestCheckSeconds > 0)) fail(path, "manifestCheckSeconds must be > 0");
  if (!c.mirror || typeof c.mirror.bucket !== "string" || typeof c.mirror.manifestKey !== "string") fail(path, "mirror needs bucket and manifestKey");
  if (!c.endpoints || typeof c.endpoints.imds !== "string") fail(path, "endpoints.imds must be set");
  if (!c.root.startsWith("/") || c.root.includes("..")) fail(path, "root must be an absolute path");
  if (c.warmPool !== undefined && typeof c.warmPool.hookName !== "string") fail(path, "warmPool.hookName must be a string");
  return c;
}

export function readConfig(path: string): AgentConfig {
  return parseConfig(readFileSync(path, "utf8"), path);
}
