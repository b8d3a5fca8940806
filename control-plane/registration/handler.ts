import { z } from "zod";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { ScaleSetError, type ScaleSetAdmin } from "../scaleset/api";
import { busyWork, ensureScaleSet, ScaleSetBusyError } from "./scale-set";

/**
 * Registration at `pulumi up`: an aws.lambda.Invocation with lifecycleScope "CRUD" sends its input
 * plus `tf: {action, prev_input}` (Terraform's aws_lambda_invocation: prev_input is null on
 * create, the previous input on update and delete). The input names the pools to register; the
 * Lambda's own config (same deployment) is the authority for each pool's settings. A pool in
 * prev_input but not in the input was removed: its scale set is deleted. Any failure throws one
 * error naming every pool that failed and what GitHub said, so the update fails readably.
 */

const PoolRef = z.object({ name: z.string().min(1), scaleSetName: z.string().min(1), runnerGroup: z.string().min(1), githubUrl: z.string().url() });
const Input = z.object({ action: z.literal("register"), pools: z.array(PoolRef) });
const Event = Input.extend({
  tf: z.object({ action: z.enum(["create", "update", "delete"]), prev_input: Input.passthrough().nullable().optional() }),
});

export type RegistrationPoolRef = z.infer<typeof PoolRef>;
export type RegistrationEvent = z.input<typeof Event>;

export interface RegistrationResult {
  action: "create" | "update" | "delete";
  created: string[];
  updated: string[];
  /** Deleted and created again: their labels or runner group changed (fixed by GitHub at creation). */
  recreated: string[];
  unchanged: string[];
  deleted: string[];
}

export interface RegistrationDeps {
  config: ControlPlaneConfig;
  /** The admin client for a pool's GitHub URL. */
  adminFor: (ref: RegistrationPoolRef) => ScaleSetAdmin | Promise<ScaleSetAdmin>;
}

export class RegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistrationError";
  }
}

/** The input JSON the Pulumi program passes (without `tf`): the pools' identities. */
export function registrationInput(pools: ControlPlanePool[]): z.infer<typeof Input> {
  return { action: "register", pools: pools.map((p) => ({ name: p.name, scaleSetName: p.scaleSetName, runnerGroup: p.runnerGroup, githubUrl: p.githubUrl })) };
}

function said(e: unknown): string {
  if (e instanceof ScaleSetError) return `GitHub answered ${e.status} (${e.kind}): ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

async function removeScaleSet(admin: ScaleSetAdmin, ref: RegistrationPoolRef, refuseBusy?: { to: string }): Promise<boolean> {
  const group = await admin.getRunnerGroupByName(ref.runnerGroup).catch((e: unknown) => {
    if (e instanceof ScaleSetError && e.kind === "not-found") return undefined;
    throw e;
  });
  if (!group) return false;
  const set = await admin.getRunnerScaleSet(group.id, ref.scaleSetName);
  if (!set) return false;
  if (refuseBusy) {
    const busy = busyWork((await admin.getRunnerScaleSetById(set.id))?.statistics);
    if (busy > 0) throw new ScaleSetBusyError(ref.scaleSetName, busy, `runner group or GitHub URL change: "${ref.runnerGroup}" in ${ref.githubUrl} -> ${refuseBusy.to}`);
  }
  await admin.deleteRunnerScaleSet(set.id);
  return true;
}

export async function handleRegistration(event: unknown, deps: RegistrationDeps): Promise<RegistrationResult> {
  const parsed = Event.safeParse(event);
  if (!parsed.success) {
    throw new RegistrationError(`registration: not an aws.lambda.Invocation CRUD event ({action:"register", pools:[…], tf:{action, prev_input}}): ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  const ev = parsed.data;
  const result: RegistrationResult = { action: ev.tf.action, created: [], updated: [], recreated: [], unchanged: [], deleted: [] };
  const failures: string[] = [];
  const byName = new Map(deps.config.pools.map((p) => [p.name, p]));
  const key = (r: RegistrationPoolRef) => `${r.githubUrl}#${r.runnerGroup}#${r.scaleSetName}`;

  const wanted = ev.tf.action === "delete" ? [] : ev.pools;
  const previous = ev.tf.action === "delete" ? [...ev.pools, ...(ev.tf.prev_input?.pools ?? [])] : (ev.tf.prev_input?.pools ?? []);
  const keep = new Set(wanted.map(key));
  const moved = new Set<string>();

  for (const ref of wanted) {
    const pool = byName.get(ref.name);
    if (!pool) {
      failures.push(`pool ${ref.name}: not in the control plane's config (deploy the function before registering)`);
      continue;
    }
    try {
      // Same set name, another runner group or URL: the old set goes first (same busy rule as a label change).
      const before = previous.find((p) => p.name === ref.name && p.scaleSetName === ref.scaleSetName && key(p) !== key(ref));
      if (before) moved.add(key(before));
      const retired = before !== undefined && (await removeScaleSet(await deps.adminFor(before), before, { to: `"${ref.runnerGroup}" in ${ref.githubUrl}` }));
      const ensured = await ensureScaleSet(await deps.adminFor(ref), pool, "recreate");
      if (retired && ensured.action === "created") result.recreated.push(pool.name);
      else if (ensured.action === "kept") throw new Error("unreachable: registration never keeps a busy set");
      else result[ensured.action].push(pool.name);
    } catch (e) {
      failures.push(`pool ${pool.name} (scale set "${pool.scaleSetName}" in ${pool.githubUrl}, runner group "${pool.runnerGroup}"): ${said(e)}`);
    }
  }
  const seen = new Set<string>();
  for (const ref of previous) {
    const k = key(ref);
    if (keep.has(k) || seen.has(k) || moved.has(k)) continue;
    seen.add(k);
    try {
      if (await removeScaleSet(await deps.adminFor(ref), ref)) result.deleted.push(ref.name);
    } catch (e) {
      failures.push(`removed pool ${ref.name} (scale set "${ref.scaleSetName}" in ${ref.githubUrl}): could not delete it: ${said(e)}`);
    }
  }
  if (failures.length > 0) throw new RegistrationError(`scale-set registration failed for ${failures.length} pool(s):\n${failures.join("\n")}`);
  return result;
}
