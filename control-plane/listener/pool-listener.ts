import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { ControlPlanePool } from "../../protocol/control-plane-config";
import { ScaleSetError, type MessageSession, type RunnerScaleSet, type RunnerScaleSetMessage, type RunnerScaleSetStatistic, type ScaleSetClient } from "../scaleset/api";
import { ensureScaleSet } from "../registration/scale-set";
import { raiseDesired } from "../scaling/asg";
import { desiredHosts, maxCapacity } from "../scaling/desired";
import { between, type ListenerMetricsSink } from "./metrics-sink";
import type { ListenerStateStore } from "./state";

export interface ListenerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface PoolListenerDeps {
  client: ScaleSetClient;
  autoscaling: AutoScalingClient;
  state: Pick<ListenerStateStore, "load" | "save" | "clear">;
  metrics: ListenerMetricsSink;
  log: ListenerLog;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Session owner: the fleet and the pool, so a conflict names who holds the set. */
  owner: string;
  /** The longest one long-poll may wait; a poll never waits past the deadline. */
  pollMs: number;
  /** 409 on session creation: tries and wait between them (another listener may be closing its session). */
  conflictTries?: number;
  conflictWaitMs?: number;
}

export interface PoolResult {
  pool: string;
  scaleSetId?: number;
  sessions: number;
  messages: number;
  acquired: number;
  /** The group's desired capacity after the last action. */
  groupDesired?: number;
  /** Set when the run stopped early for this pool (another session holds the scale set). */
  gaveUp?: string;
  errors: string[];
}

function reportJobs(metrics: ListenerMetricsSink, pool: string, msg: RunnerScaleSetMessage): void {
  for (const j of msg.jobStarted) {
    const waitMs = between(j.queueTime, j.runnerAssignTime);
    if (waitMs !== undefined) metrics.job?.({ pool, repository: `${j.ownerName}/${j.repositoryName}`, workflowRef: j.jobWorkflowRef, waitMs });
  }
  for (const j of msg.jobCompleted) {
    const ms = between(j.runnerAssignTime, j.finishTime);
    if (ms !== undefined) metrics.job?.({ pool, repository: `${j.ownerName}/${j.repositoryName}`, workflowRef: j.jobWorkflowRef, durationSeconds: ms / 1000 });
  }
}

/** Below this much time left a run stops: not worth a session round trip. */
const MIN_POLL_MS = 1000;

const ZERO: RunnerScaleSetStatistic = { totalAvailableJobs: 0, totalAcquiredJobs: 0, totalAssignedJobs: 0, totalRunningJobs: 0, totalRegisteredRunners: 0, totalBusyRunners: 0, totalIdleRunners: 0 };

/**
 * One pool for one run, as actions/scaleset's listener does (listener.go): a message session,
 * initial statistics acted on, then long-polls; available jobs are acquired; each message's
 * statistics set the capacity. Differences, on purpose: a message is deleted (acked) only after
 * the capacity request succeeded, so a failed AWS call gets the message again; available jobs
 * (in the statistics or offered in the message) count as demand at once, since they become
 * assigned once acquired, so capacity is requested on the first message, not the next; the group
 * is only ever raised.
 */
export async function listenPool(deps: PoolListenerDeps, pool: ControlPlanePool, deadline: number): Promise<PoolResult> {
  const r: PoolResult = { pool: pool.name, sessions: 0, messages: 0, acquired: 0, errors: [] };
  const { client, now } = deps;
  const conflictTries = deps.conflictTries ?? 3;
  const conflictWaitMs = deps.conflictWaitMs ?? 10_000;
  let set: RunnerScaleSet | undefined;
  let session: MessageSession | undefined;
  let stats: RunnerScaleSetStatistic = ZERO;
  let lastMessageId = 0;
  let conflicts = 0;
  let backoff = 1000;
  const remaining = () => deadline - now();
  const minPoll = Math.min(MIN_POLL_MS, deps.pollMs);

  let previous = await deps.state.load(pool.name).catch((e: unknown) => {
    r.errors.push(`state: ${String(e)}`);
    return undefined;
  });

  const act = async (s: RunnerScaleSetStatistic, offered: number, receivedAt?: number) => {
    // Jobs still available are ours to acquire (the set's labels matched them): count them now,
    // not once the service reports them assigned.
    const desired = desiredHosts(pool, s.totalAssignedJobs + Math.max(s.totalAvailableJobs, offered));
    const res = await raiseDesired(deps.autoscaling, pool.asgName, desired);
    r.groupDesired = res.desired;
    deps.metrics.scale({ pool: pool.name, assigned: s.totalAssignedJobs, running: s.totalRunningJobs, idle: s.totalIdleRunners, registered: s.totalRegisteredRunners, desired, groupDesired: res.desired });
    if (receivedAt !== undefined && offered > 0) deps.metrics.reaction(pool.name, now() - receivedAt);
    if (res.raised) deps.log.info("raised desired capacity", { pool: pool.name, from: res.current, to: res.desired, assigned: s.totalAssignedJobs, offered });
  };

  try {
    while (remaining() > minPoll) {
      try {
        if (!set) {
          const ensured = await ensureScaleSet(client, pool);
          set = ensured.set;
          r.scaleSetId = set.id;
          if (ensured.action !== "unchanged") deps.log.warn(`scale set ${ensured.action} by the listener`, { pool: pool.name, scaleSetId: set.id });
        }
        if (!session) {
          if (previous?.sessionId) {
            // A run killed at its deadline left its session: delete it rather than wait for a 409 to clear.
            await client.deleteSession(previous.scaleSetId, previous.sessionId);
            previous = undefined;
          }
          try {
            session = await client.openSession(set.id, deps.owner);
          } catch (e) {
            if (!(e instanceof ScaleSetError && e.kind === "session-conflict")) throw e;
            conflicts++;
            deps.log.warn("scale set has another live session", { pool: pool.name, attempt: conflicts, error: e.message });
            if (conflicts >= conflictTries) {
              r.gaveUp = `session conflict after ${conflicts} tries: ${e.message}`;
              break;
            }
            await deps.sleep(Math.min(conflictWaitMs, Math.max(0, remaining() - minPoll)));
            continue;
          }
          r.sessions++;
          lastMessageId = 0;
          await deps.state.save(pool.name, { v: 1, scaleSetId: set.id, sessionId: session.session.sessionId, lastMessageId, at: new Date(now()).toISOString() });
          stats = session.session.statistics ?? ZERO;
          await act(stats, 0);
        }
        const msg = await session.getMessage(lastMessageId, maxCapacity(pool), Math.min(deps.pollMs, remaining()));
        if (!msg) {
          await act(stats, 0);
          continue;
        }
        const receivedAt = now();
        stats = msg.statistics;
        const offered = msg.jobAvailable.map((j) => j.runnerRequestId);
        if (offered.length > 0) r.acquired += (await session.acquireJobs(offered)).length;
        await act(stats, offered.length, receivedAt);
        reportJobs(deps.metrics, pool.name, msg);
        await session.deleteMessage(msg.messageId);
        lastMessageId = msg.messageId;
        r.messages++;
        backoff = 1000;
      } catch (e) {
        const kind = e instanceof ScaleSetError ? e.kind : undefined;
        if (kind === "session-expired") {
          deps.log.warn("session expired; opening a new one", { pool: pool.name });
          session = undefined;
          continue;
        }
        if (kind === "not-found") {
          // The scale set went away (deleted by hand or by a removed pool's registration): re-check it.
          deps.log.warn("scale set not found; registering it again", { pool: pool.name, error: (e as Error).message });
          set = undefined;
          session = undefined;
        }
        r.errors.push(e instanceof Error ? e.message : String(e));
        const wait = Math.min(backoff, Math.max(0, remaining() - minPoll));
        backoff = Math.min(backoff * 2, 30_000);
        if (wait > 0) await deps.sleep(wait);
      }
    }
  } finally {
    if (session) {
      try {
        await session.close();
        await deps.state.clear(pool.name);
      } catch (e) {
        // The state keeps the session id: the next run deletes it.
        r.errors.push(`close: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return r;
}
