import type { ControlPlanePool } from "../../protocol/control-plane-config";
import type { RunnerScaleSet, ScaleSetAdmin } from "../scaleset/api";

export type ScaleSetSpec = Omit<RunnerScaleSet, "id" | "statistics">;

/**
 * The scale set a pool asks for: its labels as User labels (`runs-on` matches the set's name or
 * these), runner self-update off because the runner mirror pins the version.
 */
export function scaleSetSpec(pool: ControlPlanePool, runnerGroupId: number): ScaleSetSpec {
  const names = [...new Set(pool.labels.filter((l) => l.length > 0))];
  return {
    name: pool.scaleSetName,
    runnerGroupId,
    // No labels: the set's name as a System label, as the reference client fills in (ensureLabels).
    labels: names.length > 0 ? names.map((name) => ({ type: "User" as const, name })) : [{ type: "System" as const, name: pool.scaleSetName }],
    RunnerSetting: { disableUpdate: true },
  };
}

function sameSpec(set: RunnerScaleSet, spec: ScaleSetSpec): boolean {
  const labels = (s: { type: string; name: string }[]) => s.map((l) => `${l.type}:${l.name}`).sort().join(",");
  return set.runnerGroupId === spec.runnerGroupId && labels(set.labels ?? []) === labels(spec.labels) && Boolean(set.RunnerSetting?.disableUpdate) === true;
}

export interface Ensured {
  set: RunnerScaleSet;
  action: "created" | "updated" | "unchanged";
}

/** Creates or updates the pool's scale set by name, idempotently. */
export async function ensureScaleSet(admin: ScaleSetAdmin, pool: ControlPlanePool): Promise<Ensured> {
  const group = await admin.getRunnerGroupByName(pool.runnerGroup);
  const spec = scaleSetSpec(pool, group.id);
  const existing = await admin.getRunnerScaleSet(group.id, pool.scaleSetName);
  if (!existing) return { set: await admin.createRunnerScaleSet(spec), action: "created" };
  if (sameSpec(existing, spec)) return { set: existing, action: "unchanged" };
  return { set: await admin.updateRunnerScaleSet(existing.id, spec), action: "updated" };
}
