import { GitHubBudget, type BudgetClock } from "../control-plane/github/budget";
import { budgetShare, GITHUB_BUDGET_SHARES, GITHUB_LIMITS } from "../protocol/github-budget";
import type { ControlPlanePool } from "../protocol/control-plane-config";
import { controlPlaneSizing, LISTENER_POLL_SECONDS_ESTIMATE } from "../components/control-plane/sizing";
import { LAMBDA_ARM64_USD_PER_GB_SECOND, LAMBDA_USD_PER_MILLION_REQUESTS, ON_DEMAND_USD_PER_HOUR } from "../config/prices";
import { simulate, type SimJob } from "../test/standins/scaleset-sim";

/**
 * The organisation scenario of `npm run bench:scaling`: N pools, each with its own (thinner) day
 * trace, and a burst of 5,000 jobs in 10 minutes spread over the pools at 10:00. Each pool runs
 * the real listener and scaling code in its own fake-clock world (test/standins/scaleset-sim.ts);
 * what the pools share, GitHub, is then applied: every job needs a JIT runner config from the
 * broker, and the broker's containers together hold 450 points a minute (protocol/github-budget.ts),
 * so each job's start is its JIT config's grant through the real GitHubBudget on a fake clock
 * (FIFO, 5 points each), never earlier than the pool's own start.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const BURST_JOBS = 5000;
const BURST_AT = 10 * HOUR;
const BURST_MS = 10 * MIN;
/** c7g.2xlarge on demand, 4 runners a host (config/prices.ts). */
const HOST_TYPE = "c7g.2xlarge";
/** Broker call: AWS checks plus one GitHub call (fake-clock figures of the single-pool table). */
const BROKER_CALL_MS = 150 + 200 + 150;

export interface OrgRow {
  pools: number;
  jobs: number;
  reaction: [number, number];
  wait: [number, number];
  peakPointsPerMinute: number;
  listenerSeconds: number;
  listenerMiB: number;
  brokerCalls: number;
  brokerSeconds: number;
  instanceHours: number;
  usdPerDay: number;
}

function fakeClock(): BudgetClock & { run(until: number): Promise<void>; t(): number } {
  let t = 0;
  let timers: { at: number; fire: () => void }[] = [];
  return {
    now: () => t,
    t: () => t,
    sleep: (ms) => new Promise<void>((r) => timers.push({ at: t + ms, fire: r })),
    async run(until) {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const due = timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        t = Math.max(t, due.at);
        timers = timers.filter((x) => x !== due);
        due.fire();
      }
      t = Math.max(t, until);
    },
  };
}

/** Each job's JIT config through the brokers' combined budget, in the order hosts ask. */
async function jitGrants(requests: number[]): Promise<{ grants: number[]; peak: number }> {
  const clock = fakeClock();
  const share = GITHUB_BUDGET_SHARES.broker;
  const budget = new GitHubBudget({ pointsPerMinute: share.pointsPerMinute, concurrent: share.concurrent }, clock);
  const order = requests.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at);
  const grants = new Array<number>(requests.length);
  const pending: Promise<void>[] = [];
  for (const r of order) {
    await clock.run(r.at);
    pending.push(
      budget.acquire(GITHUB_LIMITS.writePoints).then(async (release) => {
        grants[r.i] = clock.t();
        await clock.sleep(200);
        release();
      }),
    );
  }
  let until = clock.t();
  while (grants.filter((x) => x !== undefined).length < requests.length) {
    until += MIN;
    await clock.run(until);
  }
  await clock.run(until + MIN);
  await Promise.all(pending);
  return { grants, peak: budget.peakPointsPerMinute };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function organisation(pools: number, dayTrace: (seed: number) => SimJob[], base: ControlPlanePool): Promise<OrgRow> {
  const reactions: number[] = [];
  const starts: { pool: number; arrive: number; start: number }[] = [];
  let instanceMs = 0;
  for (let p = 0; p < pools; p++) {
    // A tenth of the single pool's day per pool, plus this pool's part of the burst.
    const own = dayTrace(100 + p).filter((_, i) => i % 10 === 0);
    const share = Math.floor(BURST_JOBS / pools) + (p < BURST_JOBS % pools ? 1 : 0);
    const burst = Array.from({ length: share }, (_, i) => ({ arrive: BURST_AT + Math.round(((i * pools + p) / BURST_JOBS) * BURST_MS), duration: 4 * MIN + ((i * 7919 + p) % 8) * MIN, runsOn: [base.scaleSetName] }));
    const jobs = [...own, ...burst].sort((a, b) => a.arrive - b.arrive);
    const report = await simulate({
      scope: "https://github.com/acme",
      pool: { ...base, name: `pool-${p}`, asgName: `pool-${p}`, maxHosts: Math.max(40, Math.ceil(share / base.runnersPerHost)) },
      jobs,
      bootMs: 20_000,
      idleLeaveMs: 10 * MIN,
      endMs: 26 * HOUR,
      awsLatencyMs: 150,
      githubLatencyMs: 200,
    });
    if (report.violations.length > 0) throw new Error(`${pools} pools, pool ${p}: ${report.violations.slice(0, 2).join("; ")}`);
    for (const j of report.jobs) {
      if (j.started === undefined) throw new Error(`${pools} pools, pool ${p}: a job never started`);
      if (j.covered !== undefined) reactions.push(j.covered - j.arrive);
      starts.push({ pool: p, arrive: j.arrive, start: j.started });
    }
    instanceMs += report.instanceMs;
  }
  // The host's slot asks for its JIT config when it can take the job (the pool's own start).
  const { grants, peak } = await jitGrants(starts.map((s) => s.start));
  const waits = starts.map((s, i) => Math.max(s.start, grants[i]! + 200) - s.arrive);
  const sizing = controlPlaneSizing(pools);
  const listenerSeconds = 24 * 60 * LISTENER_POLL_SECONDS_ESTIMATE;
  const brokerSeconds = (starts.length * BROKER_CALL_MS) / 1000;
  const lambdaUsd =
    listenerSeconds * (sizing.listener.memoryMiB / 1024) * LAMBDA_ARM64_USD_PER_GB_SECOND +
    brokerSeconds * (sizing.broker.memoryMiB / 1024) * LAMBDA_ARM64_USD_PER_GB_SECOND +
    ((24 * 60 + starts.length) / 1e6) * LAMBDA_USD_PER_MILLION_REQUESTS;
  const hostUsd = (instanceMs / HOUR) * ON_DEMAND_USD_PER_HOUR[HOST_TYPE]!;
  return {
    pools,
    jobs: starts.length,
    reaction: [pct(reactions, 50), pct(reactions, 95)],
    wait: [pct(waits, 50), pct(waits, 95)],
    // The listener's budgeted calls are a connection per scale-set URL an hour: the JIT stream is the peak.
    peakPointsPerMinute: peak,
    listenerSeconds,
    listenerMiB: sizing.listener.memoryMiB,
    brokerCalls: starts.length,
    brokerSeconds,
    instanceHours: instanceMs / HOUR,
    usdPerDay: hostUsd + lambdaUsd,
  };
}

export function organisationTable(rows: OrgRow[]): string[] {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `Organisation: each pool a tenth of the day trace (its own seed), plus ${BURST_JOBS} jobs in ${BURST_MS / MIN} minutes at 10:00 spread over the pools; boot 20 s, 4 runners/host, warm 0, idle leave 10 min.`,
    `GitHub: every job's JIT config through the brokers' budget (${GITHUB_BUDGET_SHARES.broker.pointsPerMinute} points/min over ${GITHUB_BUDGET_SHARES.broker.concurrent} containers, ${budgetShare("broker").pointsPerMinute} each); GitHub's limit ${GITHUB_LIMITS.pointsPerMinute} points/min, ${GITHUB_LIMITS.concurrentRequests} concurrent.`,
    "",
    "| pools | jobs | reaction p50 / p95 | job wait p50 / p95 | peak GitHub points/min (limit 900) | listener s/day @ MiB | broker calls / s per day | instance-hours | USD/day (hosts on demand + Lambda) |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.pools} | ${r.jobs} | ${sec(r.reaction[0])} / ${sec(r.reaction[1])} | ${sec(r.wait[0])} / ${sec(r.wait[1])} | ${r.peakPointsPerMinute} | ${r.listenerSeconds} @ ${r.listenerMiB} | ${r.brokerCalls} / ${r.brokerSeconds.toFixed(0)} | ${r.instanceHours.toFixed(1)} | ${r.usdPerDay.toFixed(2)} |`,
    );
  }
  return lines;
}
