import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { BrokerRequest, DeregisterAnswer, HostEvent, JitAnswer, LeaveAnswer, ReportAnswer } from "../../protocol/broker";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { describeMember } from "../aws/autoscaling";
import { redactor, type Logger } from "../aws/log";
import { ScaleSetError, type JitRunnerConfig, type ScaleSetAdmin } from "../scaleset/api";
import { identifyCaller, type Caller } from "./caller";
import type { FunctionUrlEvent, FunctionUrlResult } from "./event";
import { runnerName } from "./names";
import { leaveGroup } from "./leave";
import { RecordStore } from "./records";
import { asRefusal, errorBody, Refusal, statusOf } from "./refusal";
import { parseBody } from "./request";
import type { PoolScaleSets } from "./scale-sets";

/** What the broker counts; the metrics module writes these as embedded-metric log lines. */
export interface BrokerMetrics {
  refusal(pool: string | undefined, code: string): void;
  issued(pool: string): void;
  hostEvent(pool: string, event: HostEvent): void;
}

export interface BrokerDeps {
  config: ControlPlaneConfig;
  autoscaling: AutoScalingClient;
  records: RecordStore;
  scaleSets: PoolScaleSets;
  log: Logger;
  metrics?: BrokerMetrics;
  now?: () => number;
}

/**
 * SigV4 signatures are valid for 5 minutes; Lambda stamps timeEpoch when the URL receives the
 * request. An event older than that was not just received: it is a replay through another door.
 */
const MAX_EVENT_AGE_MS = 5 * 60 * 1000;

function answer(status: number, body: unknown): FunctionUrlResult {
  return { statusCode: status, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(body), isBase64Encoded: false };
}

interface Verified {
  caller: Caller;
  pool: ControlPlanePool;
  request: BrokerRequest;
  lifecycleState: string;
}

/** Every check before anything changes: who calls, from which group, in which state, asking what. */
async function verify(event: FunctionUrlEvent, deps: BrokerDeps, now: number): Promise<Verified> {
  if (event.requestContext.http.method !== "POST") throw new Refusal("bad-request", "only POST is served");
  if (event.rawPath !== "/" && event.rawPath !== "") throw new Refusal("bad-request", "only / is served");
  const who = identifyCaller(event, deps.config.pools);
  if (!who.ok) throw new Refusal("unauthenticated", who.reason);
  const age = now - event.requestContext.timeEpoch;
  if (!Number.isFinite(age) || Math.abs(age) > MAX_EVENT_AGE_MS) throw new Refusal("unauthenticated", "request is not fresh (replayed?)");
  const body = parseBody(event);
  if (!body.ok) throw new Refusal("bad-request", body.reason);
  const request = body.request;
  const asked = deps.config.pools.find((p) => p.name === request.pool);
  if (!asked) throw new Refusal("wrong-pool", `no pool named ${request.pool}`);
  const member = await describeMember(deps.autoscaling, who.caller.instanceId);
  const memberPool = member && deps.config.pools.find((p) => p.asgName === member.asgName);
  if (!member || !memberPool) throw new Refusal("unknown-instance", "the instance is in no pool's group");
  if (memberPool.name !== asked.name) throw new Refusal("wrong-pool", `the instance is in pool ${memberPool.name}'s group`);
  if (!who.pools.some((p) => p.name === memberPool.name)) throw new Refusal("wrong-pool", "the caller's role is not this pool's host role");
  const allowed = member.lifecycleState === "InService" || memberPool.brokerStates.includes(member.lifecycleState);
  if (!allowed) throw new Refusal("not-in-service", `the instance is ${member.lifecycleState}`);
  return { caller: who.caller, pool: memberPool, request, lifecycleState: member.lifecycleState };
}

/** Removes a runner; one GitHub no longer knows is already gone. */
async function removeRunner(deps: BrokerDeps, pool: ControlPlanePool, runnerId: number): Promise<void> {
  const { admin } = await deps.scaleSets(pool);
  try {
    await admin.removeRunner(runnerId);
  } catch (e) {
    if (!(e instanceof ScaleSetError && e.kind === "not-found")) throw e;
  }
}

/** A claim older than this was left by a request that died; the function's timeout is well below it. */
export const CLAIM_TTL_MS = 120_000;

async function generate(deps: BrokerDeps, pool: ControlPlanePool, admin: ScaleSetAdmin, scaleSetId: number, name: string, log: Logger): Promise<JitRunnerConfig> {
  try {
    return await admin.generateJitRunnerConfig(scaleSetId, { name, workFolder: "_work" });
  } catch (e) {
    if (!(e instanceof ScaleSetError && e.status === 409)) throw e;
    // The name is taken while we hold the slot's claim: a runner outlived its record (records
    // lost, or a request died after GitHub answered). It is this slot's, so it goes.
    const stale = await admin.getRunnerByName(name);
    if (!stale) throw e;
    await removeRunner(deps, pool, stale.id);
    log.warn("removed a runner that held this slot's next name without a record", { runnerId: stale.id, runnerName: name });
    return await admin.generateJitRunnerConfig(scaleSetId, { name, workFolder: "_work" });
  }
}

async function jit(v: Verified, event: FunctionUrlEvent, deps: BrokerDeps, log: Logger): Promise<JitAnswer> {
  if (v.request.action !== "jit") throw new Error("unreachable");
  const { pool, caller } = v;
  const slot = v.request.slot;
  const now = deps.now?.() ?? Date.now();
  const requestId = event.requestContext.requestId;
  if (slot > pool.runnersPerHost) throw new Refusal("slot-limit", `slot ${slot} is beyond the pool's ${pool.runnersPerHost} runners per host`);
  const prev = await deps.records.getSlot(pool.name, caller.instanceId, slot);
  if (prev && prev.value.requestId === requestId) throw new Refusal("unauthenticated", "request already served (replayed)");
  const held = prev?.value.claim;
  if (held && now - Date.parse(held.since) < CLAIM_TTL_MS) throw new Refusal("throttled", "another request for this slot is in progress", 2);
  const { admin, scaleSetId } = await deps.scaleSets(pool);
  const seq = (prev?.value.seq ?? 0) + 1;
  const name = runnerName(pool.scaleSetName, caller.instanceId, slot, seq);
  const base = { v: 1 as const, pool: pool.name, instanceId: caller.instanceId, slot, seq, requestId };
  let live = prev?.value.runner;
  // Claim the slot before GitHub sees any change; a concurrent request loses here (RecordConflict → throttled).
  const claimed = await deps.records.putSlot({ ...base, ...(live ? { runner: live } : {}), claim: { since: new Date(now).toISOString(), name } }, prev?.etag);
  let cfg: JitRunnerConfig;
  try {
    if (held) {
      const orphan = await admin.getRunnerByName(held.name);
      if (orphan) await removeRunner(deps, pool, orphan.id);
      log.warn("took over an abandoned claim on the slot", { claimedAt: held.since, orphan: orphan?.id });
    }
    // The slot's previous runner goes first, so the instance never holds more than one per slot.
    if (live) {
      await removeRunner(deps, pool, live.id);
      log.info("removed the slot's previous runner", { runnerId: live.id, runnerName: live.name });
      live = undefined;
    }
    cfg = await generate(deps, pool, admin, scaleSetId, name, log);
  } catch (e) {
    // Release the claim, recording what is true now.
    await deps.records.putSlot({ ...base, ...(live ? { runner: live } : {}) }, claimed).catch((err: unknown) => log.error("could not release a slot claim", { err }));
    throw e;
  }
  redactor.add(cfg.encodedJITConfig);
  const runner = { id: cfg.runner.id, name: cfg.runner.name, scaleSetId, issuedAt: new Date(now).toISOString() };
  try {
    await deps.records.putSlot({ ...base, runner }, claimed);
  } catch (e) {
    // Our claim was taken over (we outlived CLAIM_TTL_MS): the taker owns the slot, our runner goes.
    await removeRunner(deps, pool, runner.id).catch((err: unknown) => log.error("could not remove a runner that lost its slot", { runnerId: runner.id, err }));
    throw e;
  }
  // Marked once per host: a slot asking again changes nothing here.
  if (!prev) await deps.records.mark(pool.name, caller.instanceId, "asked");
  deps.metrics?.issued(pool.name);
  log.info("issued a JIT runner", { slot, runnerId: runner.id, runnerName: runner.name, scaleSetId, runnerVersion: v.request.runnerVersion });
  return { v: 1, runnerName: runner.name, runnerId: runner.id, scaleSetId, encodedJitConfig: cfg.encodedJITConfig };
}

async function deregister(v: Verified, deps: BrokerDeps, log: Logger): Promise<DeregisterAnswer> {
  if (v.request.action !== "deregister") throw new Error("unreachable");
  const own = (await deps.records.listSlots(v.pool.name, v.caller.instanceId)).flatMap((r) => (r.runner ? [{ slot: r.slot, runner: r.runner }] : []));
  const wanted = v.request.runnerIds;
  if (wanted) {
    const ownIds = new Set(own.map((r) => r.runner.id));
    const foreign = wanted.filter((id) => !ownIds.has(id));
    if (foreign.length > 0) throw new Refusal("bad-request", `runners ${foreign.join(", ")} are not this instance's`);
  }
  const removed: number[] = [];
  for (const r of own.filter((r) => !wanted || wanted.includes(r.runner.id))) {
    await removeRunner(deps, v.pool, r.runner.id);
    await deps.records.deleteSlot(v.pool.name, v.caller.instanceId, r.slot);
    removed.push(r.runner.id);
  }
  log.info("deregistered runners", { removed });
  return { v: 1, removed };
}

async function report(v: Verified, deps: BrokerDeps, log: Logger): Promise<ReportAnswer> {
  if (v.request.action !== "report") throw new Error("unreachable");
  const detail = v.request.detail === undefined ? undefined : redactor.redact(v.request.detail).slice(0, 1000);
  if (v.request.event === "install-failed") await deps.records.mark(v.pool.name, v.caller.instanceId, "install-failed", detail);
  deps.metrics?.hostEvent(v.pool.name, v.request.event);
  log.info("host event", { event: v.request.event, detail });
  return { v: 1, accepted: true };
}

async function leave(v: Verified, deps: BrokerDeps, log: Logger): Promise<LeaveAnswer> {
  if (v.request.action !== "leave") throw new Error("unreachable");
  const { decrement, reason } = v.request;
  // Only a serving host leaves; a warm-pool state the pool admits for JIT configs is not one.
  if (v.lifecycleState !== "InService") throw new Refusal("not-in-service", `the instance is ${v.lifecycleState}; only an InService host leaves`);
  const a = await leaveGroup(deps.autoscaling, v.caller.instanceId, v.request);
  deps.metrics?.hostEvent(v.pool.name, "leaving");
  log.info("terminated the caller's instance in its group", { reason, decrement, asgName: v.pool.asgName });
  return a;
}

export async function handleBroker(event: FunctionUrlEvent, deps: BrokerDeps): Promise<FunctionUrlResult> {
  const now = deps.now?.() ?? Date.now();
  const iam = event.requestContext.authorizer?.iam;
  let log = deps.log.child({ component: "broker", requestId: event.requestContext.requestId, caller: iam?.userArn ?? "(none)", sourceIp: event.requestContext.http.sourceIp });
  let pool: string | undefined;
  try {
    const v = await verify(event, deps, now);
    pool = v.pool.name;
    log = log.child({ pool, instanceId: v.caller.instanceId, action: v.request.action });
    switch (v.request.action) {
      case "jit":
        return answer(200, await jit(v, event, deps, log));
      case "deregister":
        return answer(200, await deregister(v, deps, log));
      case "report":
        return answer(200, await report(v, deps, log));
      case "leave":
        return answer(200, await leave(v, deps, log));
    }
  } catch (e) {
    const r = asRefusal(e);
    const fields = { code: r.code, reason: r.message, ...(r.code === "internal" || r.code === "upstream" ? { err: e } : {}) };
    if (r.code === "internal") log.error("refused", fields);
    else log.warn("refused", fields);
    deps.metrics?.refusal(pool, r.code);
    return answer(statusOf(r), errorBody(r));
  }
}
