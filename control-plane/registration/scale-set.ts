import type { ControlPlanePool } from "../../protocol/control-plane-config";
import { registeredLabels } from "../../protocol/labels";
import type { RunnerScaleSet, RunnerScaleSetStatistic, ScaleSetAdmin } from "../scaleset/api";

export type ScaleSetSpec = Omit<RunnerScaleSet, "id" | "statistics">;

/**
 * The scale set a pool asks for, labelled as ARC labels its sets (autoscalingrunnerset_controller.go,
 * createRunnerScaleSet): the set's name first, then the pool's labels, all of type System,
 * deduplicated. The config already carries that list (config/scale-set-labels.ts, the one the
 * outputs show); registeredLabels again only guarantees the name leads. Runner self-update is off
 * because the runner mirror pins the version.
 */
export function scaleSetSpec(pool: ControlPlanePool, runnerGroupId: number): ScaleSetSpec {
  return {
    name: pool.scaleSetName,
    runnerGroupId,
    labels: registeredLabels(pool.scaleSetName, pool.labels).map((name) => ({ type: "System" as const, name })),
    RunnerSetting: { disableUpdate: true },
  };
}

const labelKey = (s: { type: string; name: string }[]) =>
  s
    .map((l) => `${l.type}:${l.name}`)
    .sort()
    .join(",");

/** Labels and runner group: what GitHub fixes when the set is created (an update does not change matching: ARC #4424). */
function sameRegistration(set: RunnerScaleSet, spec: ScaleSetSpec): boolean {
  return set.runnerGroupId === spec.runnerGroupId && labelKey(set.labels ?? []) === labelKey(spec.labels);
}

/** Runners busy or jobs assigned: deleting the set now would take work away from under them. */
export function busyWork(s: RunnerScaleSetStatistic | undefined): number {
  return s ? Math.max(s.totalBusyRunners, s.totalAssignedJobs) : 0;
}

/** Re-creating a set would take it from under running jobs: the caller decides what to say or do. */
export class ScaleSetBusyError extends Error {
  constructor(
    readonly scaleSetName: string,
    readonly busy: number,
    /** What changes, e.g. `labels [a, b] -> [a, c]`. */
    readonly change: string,
  ) {
    super(
      `its ${change}. ` +
        `GitHub fixes both when a set is created, so the set is deleted and created again, but ${busy} runner(s) of it are busy or assigned a job. ` +
        "Nothing was deleted; the old set keeps serving its jobs with its old labels. " +
        "Let those jobs end (or pause the workflows that target it), then run `pulumi up` again.",
    );
    this.name = "ScaleSetBusyError";
  }
}

export interface Ensured {
  set: RunnerScaleSet;
  action: "created" | "updated" | "recreated" | "unchanged" | "kept";
}

/** GitHub kept fewer labels than it was given: GHES before 3.21 without its flag drops extras silently. */
export class LabelsDroppedError extends Error {
  constructor(readonly dropped: string[]) {
    super(
      `GitHub registered the set without the labels [${dropped.join(", ")}]: GHES registers extra scale-set labels only from 3.18 with ` +
        "DistributedTask.AllowRunnerScaleSetCustomLabels on (the default from 3.21), and drops them silently otherwise. " +
        "Enable the flag, or route by the set's name and remove `labels` / set `selfHostedLabels: false`.",
    );
    this.name = "LabelsDroppedError";
  }
}

/**
 * Creates the pool's scale set by name, idempotently. A change of labels or runner group needs a
 * new set (GitHub fixes both at creation). `"recreate"` (registration at `pulumi up`) deletes the
 * set and creates it again when none of its runners is busy, and throws ScaleSetBusyError when one
 * is. `"keep"` (the listener, which must go on serving the pool) keeps the set as it is and says so
 * with action "kept": only a deploy changes what GitHub routes.
 */
export async function ensureScaleSet(admin: ScaleSetAdmin, pool: ControlPlanePool, onChange: "recreate" | "keep" = "recreate"): Promise<Ensured> {
  const group = await admin.getRunnerGroupByName(pool.runnerGroup);
  const spec = scaleSetSpec(pool, group.id);
  const existing = await admin.getRunnerScaleSet(group.id, pool.scaleSetName);
  if (!existing) return { set: checked(await admin.createRunnerScaleSet(spec), spec, onChange), action: "created" };
  if (sameRegistration(existing, spec)) {
    if (existing.RunnerSetting?.disableUpdate === true) return { set: existing, action: "unchanged" };
    // Settings are not fixed at creation: an update is enough.
    return { set: await admin.updateRunnerScaleSet(existing.id, { ...spec, labels: existing.labels }), action: "updated" };
  }
  if (onChange === "keep") return { set: existing, action: "kept" };
  const live = (await admin.getRunnerScaleSetById(existing.id)) ?? existing;
  const busy = busyWork(live.statistics);
  if (busy > 0) {
    const names = (l: { name: string }[]) => `[${l.map((x) => x.name).join(", ")}]`;
    throw new ScaleSetBusyError(pool.scaleSetName, busy, `labels change: ${names(existing.labels ?? [])} -> ${names(spec.labels)}`);
  }
  await admin.deleteRunnerScaleSet(existing.id);
  return { set: checked(await admin.createRunnerScaleSet(spec), spec, onChange), action: "recreated" };
}

/** A deploy says when GitHub kept fewer labels than asked; the listener serves the set it got. */
function checked(set: RunnerScaleSet, spec: ScaleSetSpec, onChange: "recreate" | "keep"): RunnerScaleSet {
  if (onChange === "keep") return set;
  const kept = new Set((set.labels ?? []).map((l) => l.name.toLowerCase()));
  const dropped = spec.labels.map((l) => l.name).filter((n) => !kept.has(n.toLowerCase()));
  if (dropped.length > 0) throw new LabelsDroppedError(dropped);
  return set;
}
