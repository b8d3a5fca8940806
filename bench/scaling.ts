import type { ControlPlanePool } from "../protocol/control-plane-config";
import { simulate, type SimJob, type SimReport } from "../test/standins/scaleset-sim";
import { organisation, organisationTable, type OrgRow } from "./organisation";

/**
 * `npm run bench:scaling`: the real listener and scaling code (control-plane/listener, scaling)
 * over a seeded day-long job trace on a fake clock (test/standins/scaleset-sim.ts), against the
 * one-VM-per-job model (terraform-aws-github-runner: a webhook starts one instance per job, the
 * instance leaves after it). Nothing is asserted; the table goes in the README.
 *
 * Trace (seed 11, one weekday): office hours 08:00-18:00 at ~30 jobs/h, plus PR waves (every
 * ~20 min a push fans out 4-16 matrix jobs within a minute); evenings 18:00-22:00 at 6 jobs/h;
 * a nightly lull 22:00-08:00 at 1 job/h plus a 02:00 batch of 24 jobs. Durations: 70 % 1-6 min,
 * 25 % 6-20 min, 5 % 20-45 min.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bench pool's jobs ask for it by name (its scale set registers the name first). */
const RUNS_ON = ["bench"];

function dayTrace(seed: number): SimJob[] {
  const r = rng(seed);
  const jobs: SimJob[] = [];
  const duration = () => {
    const x = r();
    if (x < 0.7) return MIN + r() * 5 * MIN;
    if (x < 0.95) return 6 * MIN + r() * 14 * MIN;
    return 20 * MIN + r() * 25 * MIN;
  };
  const poisson = (from: number, to: number, perHour: number) => {
    for (let t = from; ; ) {
      t += (-Math.log(1 - r()) / perHour) * HOUR;
      if (t >= to) break;
      jobs.push({ arrive: Math.round(t), duration: Math.round(duration()), runsOn: RUNS_ON });
    }
  };
  poisson(0, 8 * HOUR, 1);
  poisson(8 * HOUR, 18 * HOUR, 30);
  poisson(18 * HOUR, 22 * HOUR, 6);
  poisson(22 * HOUR, 24 * HOUR, 1);
  for (let t = 8 * HOUR + r() * 20 * MIN; t < 18 * HOUR; t += 10 * MIN + r() * 20 * MIN) {
    const n = 4 + Math.floor(r() * 13);
    for (let i = 0; i < n; i++) jobs.push({ arrive: Math.round(t + r() * MIN), duration: Math.round(duration()), runsOn: RUNS_ON });
  }
  for (let i = 0; i < 24; i++) jobs.push({ arrive: 2 * HOUR + i * 1000, duration: Math.round(duration()), runsOn: RUNS_ON });
  return jobs.sort((a, b) => a.arrive - b.arrive);
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Row {
  model: string;
  boot: string;
  reaction: [number, number] | undefined;
  wait: [number, number];
  instanceHours: number;
  perJobHour: number;
}

/** terraform-aws-github-runner's model: one instance per job, requested `reactionMs` after the job. */
function oneVmPerJob(jobs: SimJob[], bootMs: number, reactionMs: number, shutdownMs: number): Row {
  const waits = jobs.map(() => reactionMs + bootMs);
  const instanceMs = jobs.reduce((s, j) => s + bootMs + j.duration + shutdownMs, 0);
  const jobMs = jobs.reduce((s, j) => s + j.duration, 0);
  return { model: "one VM per job", boot: sec(bootMs), reaction: [reactionMs, reactionMs], wait: [pct(waits, 50), pct(waits, 95)], instanceHours: instanceMs / HOUR, perJobHour: instanceMs / jobMs };
}

function poolRow(label: string, jobs: SimJob[], bootMs: number, report: SimReport): Row {
  const started = report.jobs.filter((j) => j.started !== undefined);
  if (started.length !== jobs.length) throw new Error(`${label}: ${jobs.length - started.length} jobs never started`);
  const jobMs = jobs.reduce((s, j) => s + j.duration, 0);
  return {
    model: label,
    boot: sec(bootMs),
    reaction: [pct(report.jobs.map((j) => j.covered! - j.arrive), 50), pct(report.jobs.map((j) => j.covered! - j.arrive), 95)],
    wait: [pct(started.map((j) => j.started! - j.arrive), 50), pct(started.map((j) => j.started! - j.arrive), 95)],
    instanceHours: report.instanceMs / HOUR,
    perJobHour: report.instanceMs / jobMs,
  };
}

async function main(): Promise<void> {
  const jobs = dayTrace(11);
  const jobHours = jobs.reduce((s, j) => s + j.duration, 0) / HOUR;
  const base: ControlPlanePool = {
    name: "bench",
    scaleSetName: "bench",
    labels: [],
    runnerGroup: "default",
    githubUrl: "https://github.com/acme",
    asgName: "bench",
    hostRoleArn: "arn:aws:iam::123456789012:role/bench",
    runnersPerHost: 4,
    minHosts: 0,
    maxHosts: 40,
    warmIdleRunners: 0,
    registrationDeadlineSeconds: 600,
    brokerStates: [],
  };
  const rows: Row[] = [];
  for (const bootMs of [90_000, 20_000]) {
    rows.push(oneVmPerJob(jobs, bootMs, 5_000, 30_000));
    for (const [warm, idleMin] of [
      [0, 10],
      [4, 10],
      [8, 15],
    ] as const) {
      const report = await simulate({
        scope: "https://github.com/acme",
        pool: { ...base, warmIdleRunners: warm },
        jobs,
        bootMs,
        idleLeaveMs: idleMin * MIN,
        endMs: 26 * HOUR,
        awsLatencyMs: 150,
        githubLatencyMs: 200,
      });
      if (report.violations.length > 0) throw new Error(`violations: ${report.violations.slice(0, 3).join("; ")}`);
      rows.push(poolRow(`pool, 4 runners/host, warm ${warm}, idle leave ${idleMin} min`, jobs, bootMs, report));
    }
  }
  const lines = [
    `Day trace: ${jobs.length} jobs, ${jobHours.toFixed(1)} job-hours (seed 11). Listener every 60 s, long-poll 50 s, AWS call 150 ms, GitHub call 200 ms (fake clock).`,
    "",
    "| model | boot | reaction p50 / p95 | job wait p50 / p95 | instance-hours | per job-hour | vs one VM per job |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const vm = rows.find((x) => x.model === "one VM per job" && x.boot === r.boot)!;
    const saving = r === vm ? "—" : `${Math.round((1 - r.instanceHours / vm.instanceHours) * 100)} % fewer`;
    lines.push(`| ${r.model} | ${r.boot} | ${r.reaction ? `${sec(r.reaction[0])} / ${sec(r.reaction[1])}` : "—"} | ${sec(r.wait[0])} / ${sec(r.wait[1])} | ${r.instanceHours.toFixed(1)} | ${r.perJobHour.toFixed(2)} | ${saving} |`);
  }
  process.stdout.write(lines.join("\n") + "\n");

  // The organisation: how reaction, wait, GitHub calls and cost grow with the pools.
  const org: OrgRow[] = [];
  for (const n of (process.env.BENCH_ORG_POOLS ?? "1,10,100,300").split(",").map(Number)) {
    org.push(await organisation(n, dayTrace, base));
    process.stderr.write(`done: organisation of ${n} pools\n`);
  }
  process.stdout.write("\n" + organisationTable(org).join("\n") + "\n");
  const over = org.filter((r) => r.peakPointsPerMinute > 900);
  if (over.length > 0) throw new Error(`GitHub's 900 points a minute passed at ${over.map((r) => r.pools).join(", ")} pools`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
