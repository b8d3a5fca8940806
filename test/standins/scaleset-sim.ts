import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { ControlPlanePool } from "../../protocol/control-plane-config";
import {
  ScaleSetError,
  type JitRunnerConfig,
  type MessageSession,
  type RunnerReference,
  type RunnerScaleSet,
  type RunnerScaleSetMessage,
  type RunnerScaleSetStatistic,
  type ScaleSetClient,
} from "../../control-plane/scaleset/api";
import { runListener } from "../../control-plane/listener/listener";
import type { ListenerState } from "../../control-plane/listener/state";
import { desiredHosts } from "../../control-plane/scaling/desired";
import { labelsMatch } from "../../protocol/labels";
import { parseScope, scopeServes, type StandinScope } from "./scaleset-scope";

/**
 * A discrete-event world on a fake clock for the property test and bench:scaling. The scale-set
 * service here keeps the HTTP stand-in's rules (statistics snapshot when a message is posted,
 * messages redelivered until deleted, one live session, 409, session expiry), an Auto Scaling group
 * whose hosts boot, run `runnersPerHost` jobs, leave by themselves when idle (decrementing desired,
 * never below min) and can be lost (spot: replaced without decrement). The real listener
 * (runListener) runs every minute against it, as the Lambda schedule does.
 *
 * Like the HTTP stand-in, the service serves one declared scope (`scope`, a config URL): a pool
 * whose githubUrl names another scope gets no client (GitHub's 404, recorded as a violation), and a
 * job from a repository outside the scope is never offered to the set.
 */

export interface SimJob {
  arrive: number;
  duration: number;
  /** As the workflow writes it; offered only when every label is among the set's (as created). */
  runsOn: string[];
  /** owner/name; default a repository of the scope (`<org>/app`, or the scope's repository). */
  repository?: string;
}

export interface SimOptions {
  /** The config URL (organisation or repository) of the one scope this service serves. */
  scope: string;
  pool: ControlPlanePool;
  jobs: SimJob[];
  bootMs: number;
  /** A host with no job for this long leaves (terminate with decrement). */
  idleLeaveMs: number;
  /** Spot losses: times at which one running host (the oldest) is lost. */
  spotLosses?: number[];
  /** Times at which the service expires the listener's session. */
  sessionLosses?: number[];
  /** Calls to SetDesiredCapacity that fail with Throttling (by call index). */
  throttleCalls?: number[];
  endMs: number;
  runEveryMs?: number;
  pollMs?: number;
  /** Fake-clock time each AWS call and each GitHub call takes (0: instant). */
  awsLatencyMs?: number;
  githubLatencyMs?: number;
}

type JobState = "queued" | "available" | "acquired" | "running" | "done" | "failed";
interface Job {
  id: number;
  arrive: number;
  duration: number;
  runsOn: string[];
  repository: string;
  state: JobState;
  host?: number;
  started?: number;
  /** When the capacity covering it was requested (or seen in place) after a message offered it. */
  covered?: number;
}
interface Host {
  id: number;
  launched: number;
  ready: boolean;
  jobs: Set<number>;
  idleSince: number;
  gone?: number;
}
interface Msg {
  id: number;
  body: { messageType: string; runnerRequestId: number }[];
  stats: RunnerScaleSetStatistic;
  deleted: boolean;
  /** The demand the snapshot implies, to check the listener covered it before the ack. */
  hosts: number;
}

export interface SimReport {
  violations: string[];
  jobs: Job[];
  instanceMs: number;
  maxDesired: number;
  minDesiredSeen: number;
  sessionsOpened: number;
}

class Clock {
  t = 0;
  private queue: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  at(at: number, fn: () => void): void {
    this.queue.push({ at: Math.max(at, this.t), seq: this.seq++, fn });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
  nextAt(): number | undefined {
    return this.queue[0]?.at;
  }
  advanceTo(t: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= t) {
      const ev = this.queue.shift()!;
      this.t = ev.at;
      ev.fn();
    }
    this.t = Math.max(this.t, t);
  }
}

export async function simulate(o: SimOptions): Promise<SimReport> {
  const parsed = parseScope(o.scope);
  if ("error" in parsed) throw new Error(`simulate: scope ${parsed.error}`);
  const scope: StandinScope = parsed;
  if (scope.kind === "enterprise") throw new Error("simulate: an organisation or repository scope (enterprise jobs would need their organisations)");
  const defaultRepository = scope.kind === "repository" ? `${scope.org}/${scope.repo}` : `${scope.org}/app`;
  const clock = new Clock();
  const pool = o.pool;
  const pollMs = o.pollMs ?? 50_000;
  const violations: string[] = [];
  const jobs: Job[] = [];
  const hosts: Host[] = [];
  const messages: Msg[] = [];
  let desired = pool.minHosts;
  let hostSeq = 0;
  let msgSeq = 0;
  let setCalls = 0;
  /** The capacity the control plane last saw or asked for: hosts leaving after that are the hosts' doing. */
  let requested = desired;
  /** Messages handed to the listener and not yet acked: the capacity calls that follow cover them. */
  const delivered = new Set<Msg>();
  const cover = () => {
    for (const m of delivered) {
      if (requested < m.hosts) continue;
      for (const b of m.body) if (b.messageType === "JobAvailable") jobs[b.runnerRequestId]!.covered ??= clock.t;
    }
  };
  let maxDesired = desired;
  let minDesiredSeen = desired;
  let session: { id: string; expired: boolean } | undefined;
  let sessionsOpened = 0;
  let scaleSet: RunnerScaleSet | undefined;
  let instanceMs = 0;
  let lastAccount = 0;

  const account = () => {
    const live = hosts.filter((h) => h.gone === undefined).length;
    instanceMs += live * (clock.t - lastAccount);
    lastAccount = clock.t;
  };
  const stats = (): RunnerScaleSetStatistic => {
    const ready = hosts.filter((h) => h.gone === undefined && h.ready);
    const running = jobs.filter((j) => j.state === "running").length;
    return {
      totalAvailableJobs: jobs.filter((j) => j.state === "available").length,
      totalAcquiredJobs: jobs.filter((j) => j.state === "acquired").length,
      totalAssignedJobs: jobs.filter((j) => j.state === "acquired" || j.state === "running").length,
      totalRunningJobs: running,
      totalRegisteredRunners: ready.length * pool.runnersPerHost,
      totalBusyRunners: running,
      totalIdleRunners: ready.length * pool.runnersPerHost - running,
    };
  };
  const post = (type: string, ids: number[]) => {
    const s = stats();
    messages.push({ id: ++msgSeq, body: ids.map((id) => ({ messageType: type, runnerRequestId: id })), stats: s, deleted: false, hosts: desiredHosts(pool, s.totalAssignedJobs + s.totalAvailableJobs) });
  };

  /** Labels fixed when the set was created; a job waits (queued) until a set matches it. */
  let setLabels: string[] = [];
  const offer = (j: Job) => {
    if (j.state !== "queued" || !scaleSet || !scopeServes(scope, j.repository, []) || !labelsMatch(j.runsOn, setLabels)) return;
    j.state = "available";
    post("JobAvailable", [j.id]);
  };
  const live = () => hosts.filter((h) => h.gone === undefined);
  const reconcile = () => {
    account();
    while (live().length < desired) {
      const h: Host = { id: ++hostSeq, launched: clock.t, ready: false, jobs: new Set(), idleSince: clock.t };
      hosts.push(h);
      clock.at(clock.t + o.bootMs, () => {
        if (h.gone !== undefined) return;
        h.ready = true;
        h.idleSince = clock.t;
        scheduleIdle(h);
        dispatch();
      });
    }
  };
  const leave = (h: Host, decrement: boolean) => {
    account();
    h.gone = clock.t;
    for (const id of h.jobs) {
      const j = jobs[id]!;
      j.state = "failed";
      post("JobCompleted", [id]);
    }
    h.jobs.clear();
    if (decrement) desired--;
    minDesiredSeen = Math.min(minDesiredSeen, desired);
    reconcile();
  };
  const scheduleIdle = (h: Host) => {
    const since = h.idleSince;
    clock.at(since + o.idleLeaveMs, () => {
      if (h.gone !== undefined || h.jobs.size > 0 || h.idleSince !== since) return;
      if (desired > pool.minHosts) leave(h, true);
    });
  };
  const dispatch = () => {
    for (const j of jobs) {
      if (j.state !== "acquired") continue;
      const h = live().find((x) => x.ready && x.jobs.size < pool.runnersPerHost);
      if (!h) return;
      j.state = "running";
      j.host = h.id;
      j.started = clock.t;
      h.jobs.add(j.id);
      post("JobStarted", [j.id]);
      clock.at(clock.t + j.duration, () => {
        if (j.state !== "running" || h.gone !== undefined) return;
        j.state = "done";
        h.jobs.delete(j.id);
        post("JobCompleted", [j.id]);
        if (h.jobs.size === 0) {
          h.idleSince = clock.t;
          scheduleIdle(h);
        }
        dispatch();
      });
    }
  };

  for (const spec of o.jobs) {
    clock.at(spec.arrive, () => {
      const j: Job = { id: jobs.length, arrive: clock.t, duration: spec.duration, runsOn: spec.runsOn, repository: spec.repository ?? defaultRepository, state: "queued" };
      jobs.push(j);
      offer(j);
    });
  }
  for (const at of o.spotLosses ?? []) {
    clock.at(at, () => {
      const h = live().find((x) => x.ready);
      if (h) leave(h, false);
    });
  }
  for (const at of o.sessionLosses ?? []) {
    clock.at(at, () => {
      if (session) session.expired = true;
      session = undefined;
    });
  }

  const notUsed = (what: string) => () => Promise.reject(new Error(`${what}: not used by the listener`));
  const ownSession = (id: string): MessageSession => {
    const check = () => {
      if (!session || session.id !== id) throw new ScaleSetError("session-expired", 404, "TaskAgentSessionExpiredException");
    };
    const gh = () => clock.advanceTo(clock.t + (o.githubLatencyMs ?? 0));
    return {
      session: { sessionId: id, ownerName: "sim", messageQueueUrl: "sim://queue", messageQueueAccessToken: "sim", statistics: stats() },
      async getMessage(_last: number, _cap: number, maxWaitMs?: number): Promise<RunnerScaleSetMessage | undefined> {
        const until = clock.t + Math.min(pollMs, maxWaitMs ?? pollMs);
        for (;;) {
          check();
          const m = messages.find((x) => !x.deleted);
          if (m) {
            gh();
            delivered.add(m);
            const pick = (t: string) => m.body.filter((b) => b.messageType === t) as never[];
            return { messageId: m.id, statistics: m.stats, jobAvailable: pick("JobAvailable"), jobAssigned: pick("JobAssigned"), jobStarted: pick("JobStarted"), jobCompleted: pick("JobCompleted") };
          }
          const next = clock.nextAt();
          if (next === undefined || next > until) {
            clock.advanceTo(until);
            check();
            return undefined;
          }
          clock.advanceTo(next);
        }
      },
      async deleteMessage(messageId: number): Promise<void> {
        gh();
        check();
        const m = messages.find((x) => x.id === messageId);
        if (!m) throw new ScaleSetError("not-found", 404, "MessageNotFoundException");
        // The property: before a message is acked, the group covers the demand its snapshot shows.
        if (requested < m.hosts) violations.push(`t=${clock.t}: message ${m.id} acked with capacity ${requested} requested < ${m.hosts}`);
        m.deleted = true;
        delivered.delete(m);
      },
      async acquireJobs(ids: number[]): Promise<number[]> {
        gh();
        check();
        const got = ids.filter((id) => jobs[id]?.state === "available");
        for (const id of got) jobs[id]!.state = "acquired";
        if (got.length > 0) post("JobAssigned", got);
        dispatch();
        return got;
      },
      async close(): Promise<void> {
        if (session?.id === id) session = undefined;
      },
    };
  };
  const client: ScaleSetClient = {
    getRunnerGroupByName: async (name) => ({ id: 1, name, isDefaultGroup: true }),
    getRunnerScaleSet: async (_g, name) => (scaleSet?.name === name ? scaleSet : undefined),
    getRunnerScaleSetById: async (id) => (scaleSet?.id === id ? scaleSet : undefined),
    createRunnerScaleSet: async (spec) => {
      scaleSet = { ...spec, id: 7 };
      setLabels = spec.labels.map((l) => l.name);
      for (const j of jobs) offer(j);
      return scaleSet;
    },
    // GitHub keeps matching the labels the set was created with.
    updateRunnerScaleSet: async (_id, spec) => (scaleSet = { ...spec, labels: scaleSet?.labels ?? [], id: 7 }),
    deleteRunnerScaleSet: notUsed("deleteRunnerScaleSet") as () => Promise<void>,
    generateJitRunnerConfig: notUsed("generateJitRunnerConfig") as () => Promise<JitRunnerConfig>,
    getRunner: notUsed("getRunner") as () => Promise<RunnerReference | undefined>,
    getRunnerByName: notUsed("getRunnerByName") as () => Promise<RunnerReference | undefined>,
    removeRunner: notUsed("removeRunner") as () => Promise<void>,
    async openSession(scaleSetId) {
      if (scaleSetId !== scaleSet?.id) throw new ScaleSetError("not-found", 404, "RunnerScaleSetNotFoundException");
      if (session) throw new ScaleSetError("session-conflict", 409, "TaskAgentSessionConflictException");
      session = { id: `s${++sessionsOpened}`, expired: false };
      return ownSession(session.id);
    },
    async deleteSession(_set, id) {
      if (session?.id === id) session = undefined;
    },
  };

  const autoscaling = {
    async send(cmd: { constructor: { name: string }; input: { DesiredCapacity?: number } }) {
      clock.advanceTo(clock.t + (o.awsLatencyMs ?? 0));
      if (cmd.constructor.name === "DescribeAutoScalingGroupsCommand") {
        requested = desired;
        cover();
      }
      if (cmd.constructor.name === "DescribeAutoScalingGroupsCommand") return { AutoScalingGroups: [{ AutoScalingGroupName: pool.asgName, DesiredCapacity: desired, MaxSize: pool.maxHosts, MinSize: pool.minHosts }] };
      if (cmd.constructor.name === "SetDesiredCapacityCommand") {
        const call = setCalls++;
        if ((o.throttleCalls ?? []).includes(call)) throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
        const to = cmd.input.DesiredCapacity ?? -1;
        if (to < desired) violations.push(`t=${clock.t}: control plane lowered desired ${desired} -> ${to}`);
        if (to > pool.maxHosts || to < pool.minHosts) violations.push(`t=${clock.t}: desired ${to} outside [${pool.minHosts}, ${pool.maxHosts}]`);
        desired = to;
        requested = to;
        cover();
        maxDesired = Math.max(maxDesired, desired);
        reconcile();
        return {};
      }
      throw new Error(`unexpected ${cmd.constructor.name}`);
    },
  } as unknown as AutoScalingClient;

  const store = new Map<string, ListenerState>();
  const state = {
    load: async (p: string) => store.get(p),
    save: async (p: string, s: ListenerState) => void store.set(p, s),
    clear: async (p: string) => void store.delete(p),
  };

  reconcile();
  const every = o.runEveryMs ?? 60_000;
  const config = { v: 1 as const, fleet: "sim", region: "eu-west-1", credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x", bucket: "b", githubApiUrl: "https://api.github.com", pools: [pool], jobWaitAlarmSeconds: 300 };
  for (let start = 0; start < o.endMs; start += every) {
    clock.advanceTo(start);
    // A Lambda killed at its deadline would leave the session: mimic one in ten runs.
    await runListener(
      {
        config,
        clientFor: (p) => {
          const asked = parseScope(p.githubUrl);
          if ("error" in asked || asked.key !== scope.key) {
            violations.push(`t=${clock.t}: pool ${p.name} asked for ${p.githubUrl}, not the scope ${o.scope} this service serves`);
            throw new ScaleSetError("not-found", 404, "Not Found");
          }
          return client;
        },
        autoscaling,
        state,
        metrics: { scale: () => {}, reaction: () => {} },
        log: { info: () => {}, warn: () => {} },
        now: () => clock.t,
        sleep: async (ms) => clock.advanceTo(clock.t + ms),
        pollMs,
        conflictWaitMs: 5_000,
      },
      { deadline: start + every - 2_000 },
    );
  }
  clock.advanceTo(o.endMs);
  account();
  return { violations, jobs, instanceMs, maxDesired, minDesiredSeen, sessionsOpened };
}
