import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { groupMembers, replaceInstance, type GroupMember } from "../aws/autoscaling";
import type { Logger } from "../aws/log";
import { parseRunnerName } from "../broker/names";
import type { RecordStore } from "../broker/records";
import type { PoolScaleSets } from "../broker/scale-sets";
import type { GitHubCredential } from "../github/credential";
import { deleteRunner, listRunners, runnerScope, type GitHubRest, type GitHubRunner } from "../github/rest";
import { ScaleSetError } from "../scaleset/api";

/**
 * The reaper, once per scheduled run and pool:
 * - runners of instances no longer in the pool's group (spot, crash, scale-in) are removed: those
 *   the broker recorded, and any runner on GitHub whose name is ours (see broker/names.ts) but
 *   whose instance is gone — busy runners are left to GitHub;
 * - InService hosts that did not ask for a runner within registrationDeadlineSeconds of the reaper
 *   first seeing them InService, or that reported install-failed, are terminated without
 *   decrementing (the group replaces them), unless any of their runners is busy or GitHub cannot
 *   tell us whether one is.
 */
export interface ReaperDeps {
  config: ControlPlaneConfig;
  autoscaling: AutoScalingClient;
  records: RecordStore;
  scaleSets: PoolScaleSets;
  github: () => Promise<GitHubRest>;
  credential: () => Promise<GitHubCredential>;
  log: Logger;
  metrics?: { hosts(pool: string, inService: number): void };
  now?: () => number;
}

export interface PoolReap {
  pool: string;
  removedRunners: { id: number; name: string; instanceId: string }[];
  replacedHosts: { instanceId: string; reason: "no-registration" | "install-failed" }[];
  kept: { what: string; why: string }[];
}

async function githubRunners(deps: ReaperDeps, pool: ControlPlanePool, log: Logger): Promise<GitHubRunner[] | undefined> {
  const scope = runnerScope(pool.githubUrl);
  if (scope.kind === "enterprise" && (await deps.credential()).kind === "app") {
    // GitHub refuses App auth on enterprise runner endpoints: only the broker's records are swept.
    log.warn("enterprise runners cannot be listed with a GitHub App; sweeping the broker's records only");
    return undefined;
  }
  try {
    return await listRunners(await deps.github(), scope);
  } catch (e) {
    // A 404 on the list is the credential not seeing the scope, never "no runners".
    if ((e as { status?: number }).status === 404) log.error("GitHub does not show this pool's runner scope to the credential (outside the App installation?); its runners are not reaped", { githubUrl: pool.githubUrl });
    else log.warn("could not list runners on GitHub", { err: e });
    return undefined;
  }
}

async function removeRecorded(deps: ReaperDeps, pool: ControlPlanePool, runnerId: number): Promise<void> {
  const { admin } = await deps.scaleSets(pool);
  try {
    await admin.removeRunner(runnerId);
  } catch (e) {
    if (!(e instanceof ScaleSetError && e.kind === "not-found")) throw e;
  }
}

async function reapPool(deps: ReaperDeps, pool: ControlPlanePool): Promise<PoolReap> {
  const log = deps.log.child({ component: "reaper", pool: pool.name });
  const now = deps.now?.() ?? Date.now();
  const out: PoolReap = { pool: pool.name, removedRunners: [], replacedHosts: [], kept: [] };
  const members = await groupMembers(deps.autoscaling, pool.asgName);
  if (!members) {
    // Not "every instance is gone": a missing group is a deployment problem, not a reason to delete.
    log.warn("the pool's Auto Scaling group does not exist; nothing reaped", { asgName: pool.asgName });
    out.kept.push({ what: pool.asgName, why: "group not found" });
    return out;
  }
  const live = new Map<string, GroupMember>(members.map((m) => [m.instanceId, m]));
  deps.metrics?.hosts(pool.name, members.filter((m) => m.lifecycleState === "InService").length);
  const onGitHub = await githubRunners(deps, pool, log);
  const busy = new Set((onGitHub ?? []).filter((r) => r.busy).map((r) => r.id));

  // 1. Runners the broker issued to instances that are gone.
  for (const instanceId of await deps.records.instancesWithRecords(pool.name)) {
    if (live.has(instanceId)) continue;
    let clean = true;
    for (const rec of await deps.records.listSlots(pool.name, instanceId)) {
      const runner = rec.runner;
      if (runner && busy.has(runner.id)) {
        out.kept.push({ what: runner.name, why: "busy on GitHub" });
        clean = false;
        continue;
      }
      if (runner) {
        await removeRecorded(deps, pool, runner.id);
        out.removedRunners.push({ id: runner.id, name: runner.name, instanceId });
      }
      await deps.records.deleteSlot(pool.name, instanceId, rec.slot);
    }
    if (clean) await deps.records.forgetHost(pool.name, instanceId);
  }

  // 2. Runners on GitHub named by us for an instance that is gone (records lost, or never written).
  if (onGitHub) {
    const scope = runnerScope(pool.githubUrl);
    const removed = new Set(out.removedRunners.map((r) => r.id));
    for (const r of onGitHub) {
      const parsed = parseRunnerName(pool.scaleSetName, r.name);
      if (!parsed || live.has(parsed.instanceId) || removed.has(r.id)) continue;
      if (r.busy) {
        out.kept.push({ what: r.name, why: "busy on GitHub" });
        continue;
      }
      await deleteRunner(await deps.github(), scope, r.id);
      out.removedRunners.push({ id: r.id, name: r.name, instanceId: parsed.instanceId });
    }
  }

  // 3. Hosts that never registered in time, or whose install failed.
  const poolMarks = await deps.records.poolMarks(pool.name);
  for (const m of members) {
    if (m.lifecycleState !== "InService") continue;
    const marks = poolMarks.get(m.instanceId) ?? {};
    if (!marks["in-service"]) await deps.records.mark(pool.name, m.instanceId, "in-service", undefined, new Date(now));
    const since = marks["in-service"] ? Date.parse(marks["in-service"].at) : now;
    const reason = marks["install-failed"] ? "install-failed" : !marks.asked && now - since > pool.registrationDeadlineSeconds * 1000 ? "no-registration" : undefined;
    if (!reason) continue;
    const runners = (await deps.records.listSlots(pool.name, m.instanceId)).flatMap((r) => (r.runner ? [r.runner] : []));
    if (!onGitHub && runners.length > 0) {
      out.kept.push({ what: m.instanceId, why: "GitHub could not say whether its runners are busy" });
      continue;
    }
    const namedBusy = (onGitHub ?? []).some((r) => r.busy && parseRunnerName(pool.scaleSetName, r.name)?.instanceId === m.instanceId);
    if (namedBusy || runners.some((r) => busy.has(r.id))) {
      out.kept.push({ what: m.instanceId, why: `${reason}, but a runner is busy` });
      continue;
    }
    await replaceInstance(deps.autoscaling, m.instanceId);
    for (const r of runners) {
      await removeRecorded(deps, pool, r.id);
      out.removedRunners.push({ id: r.id, name: r.name, instanceId: m.instanceId });
    }
    await deps.records.forgetHost(pool.name, m.instanceId);
    out.replacedHosts.push({ instanceId: m.instanceId, reason });
    log.warn("replaced a host", { instanceId: m.instanceId, reason, detail: marks["install-failed"]?.detail });
  }
  if (out.removedRunners.length > 0) log.info("removed runners of gone instances", { runners: out.removedRunners });
  return out;
}

export async function reap(deps: ReaperDeps): Promise<PoolReap[]> {
  const results: PoolReap[] = [];
  // One pool failing (throttled, a group deleted under us) does not stop the others.
  for (const pool of deps.config.pools) {
    try {
      results.push(await reapPool(deps, pool));
    } catch (e) {
      deps.log.error("reaper failed for a pool", { pool: pool.name, err: e });
      results.push({ pool: pool.name, removedRunners: [], replacedHosts: [], kept: [{ what: pool.name, why: "reaper error" }] });
    }
  }
  return results;
}
