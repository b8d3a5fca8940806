import { createHash } from "node:crypto";
import { RUNNER_NAME_MAX } from "../../protocol/broker";

/**
 * Runner names: <prefix>-<instance id>-<slot>-<sequence>, at most 64 characters (GitHub's limit).
 * The prefix is the scale set name, or a stable hash-shortened form of it when long; the reaper
 * reads the instance id back out of a name, so names it did not make never match.
 */
const PREFIX_MAX = 24;

export function runnerNamePrefix(scaleSetName: string): string {
  if (scaleSetName.length <= PREFIX_MAX) return scaleSetName;
  const hash = createHash("sha256").update(scaleSetName).digest("hex").slice(0, 8);
  return `${scaleSetName.slice(0, PREFIX_MAX - 9).replace(/[-_.]+$/, "")}-${hash}`;
}

export function runnerName(scaleSetName: string, instanceId: string, slot: number, seq: number): string {
  const name = `${runnerNamePrefix(scaleSetName)}-${instanceId}-${slot}-${seq.toString(36)}`;
  // prefix ≤ 24, instance id ≤ 19, slot ≤ 4 digits, sequence ≤ 8 base-36 digits (2.8e12), 3 dashes: 58.
  if (name.length > RUNNER_NAME_MAX) throw new Error(`runner name over ${RUNNER_NAME_MAX} characters: ${name}`);
  return name;
}

/** The instance id and slot a name of ours carries, or undefined for anyone else's runner. */
export function parseRunnerName(scaleSetName: string, name: string): { instanceId: string; slot: number; seq: number } | undefined {
  const prefix = runnerNamePrefix(scaleSetName);
  if (!name.startsWith(prefix + "-")) return undefined;
  const m = /^(i-[0-9a-f]{8,17})-([1-9][0-9]{0,3})-([0-9a-z]{1,8})$/.exec(name.slice(prefix.length + 1));
  if (!m) return undefined;
  return { instanceId: m[1]!, slot: Number(m[2]), seq: parseInt(m[3]!, 36) };
}
