import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWorkflow, NoOperationTraceWriter } from "@actions/workflow-parser";
import { affinityRunsOn, ROUTE_SCRIPT, routeJobYaml } from "../config/affinity-routing";
import { evaluate } from "../tools/expression-eval";

/**
 * `npm run bench:routing`: the two ways to route related jobs to one instance that GitHub accepts
 * (issue 20), measured side by side. A: one `runs-on` expression, no arithmetic (endsWith on the
 * zero-padded key's last digits). B: a route job computing the instance in bash, read through
 * needs.route.outputs. For each: spread over keys, time per workflow, what a reader sees.
 */

const STEM = "rubionic";
const ISSUES = Array.from({ length: 1000 }, (_, i) => i + 1);
/** Synthetic but typical branch names (no real repository's list was at hand): prefixes × topics × numbers. */
const BRANCHES = ["feature/", "fix/", "dependabot/npm_and_yarn/", "renovate/", "release/v", "chore/"].flatMap((p) =>
  ["login", "cache", "kernel-6.", "deps-", "docs", "arm64-build", "ci", "flaky-test-"].flatMap((t) => Array.from({ length: 21 }, (_, i) => `${p}${t}${i * 7 + 3}`)),
);

/** Candidate A: instance i takes the residues r of the last d digits with r mod k = i - 1. */
function expressionCandidate(k: number, key: string): string {
  const d = 10 % k === 0 ? 1 : k <= 10 ? 2 : 3;
  const padded = `format('${"0".repeat(d)}{0}', ${key})`;
  const arms: string[] = [];
  for (let i = 1; i < k; i++) {
    const residues = Array.from({ length: 10 ** d }, (_, r) => r).filter((r) => r % k === i - 1);
    arms.push(`(${residues.map((r) => `endsWith(${padded}, '${String(r).padStart(d, "0")}')`).join(" || ")}) && '${STEM}-${i}'`);
  }
  return `\${{ ${[...arms, `'${STEM}-${k}'`].join(" || ")} }}`;
}

/** Candidate A for a string key: the last character, spread round-robin over the instances. */
function expressionStringCandidate(k: number, key: string): string {
  const chars = "0123456789abcdefghijklmnopqrstuvwxyz".split("");
  const arms: string[] = [];
  for (let i = 1; i < k; i++) arms.push(`(${chars.filter((_, j) => j % k === i - 1).map((c) => `endsWith(${key}, '${c}')`).join(" || ")}) && '${STEM}-${i}'`);
  return `\${{ ${[...arms, `'${STEM}-${k}'`].join(" || ")} }}`;
}

function parses(runsOn: string, extraJobs = ""): number {
  const content = `on: [issues, push]\njobs:\n${extraJobs}  work:\n    runs-on: "${runsOn.replace(/"/g, '\\"')}"\n    steps: [{run: make}]\n`;
  return parseWorkflow({ name: "bench.yml", content }, new NoOperationTraceWriter()).context.errors.getErrors().length;
}

function spread(values: string[], k: number): string {
  const counts = Array.from({ length: k }, (_, i) => values.filter((v) => v === `${STEM}-${i + 1}`).length);
  const miss = values.length - counts.reduce((a, b) => a + b, 0);
  return `${counts.join("/")}${miss ? ` (+${miss} nowhere)` : ""} max/min ${(Math.max(...counts) / Math.max(1, Math.min(...counts))).toFixed(2)}`;
}

function evalA(expr: string, ctx: Record<string, unknown>): string {
  const r = evaluate(expr.slice(4, -3), ctx);
  return r.kind === "value" ? r.value.coerceString() : `?${r.kind}`;
}

/** Candidate B's step, run as GitHub would run it (bash, GITHUB_OUTPUT file), for many keys in one shell. */
function routeStep(keys: string[], k: number): { instances: string[]; msPerRun: number } {
  const dir = mkdtempSync(join(tmpdir(), "route-bench-"));
  try {
    const out = join(dir, "out");
    // Builtins only around the script (no subshell, no cat): forks would dominate the timing.
    const loop = `while IFS= read -r KEY; do : > "$GITHUB_OUTPUT"; ${ROUTE_SCRIPT}\n IFS= read -r line < "$GITHUB_OUTPUT"; echo "$line"; done`;
    const t0 = process.hrtime.bigint();
    const stdout = execFileSync("bash", ["-c", loop], { input: keys.join("\n") + "\n", env: { ...process.env, INSTANCES: String(k), GITHUB_OUTPUT: out }, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { instances: stdout.trim().split("\n").map((l) => `${STEM}-${l.replace("instance=", "")}`), msPerRun: ms / keys.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const k of [2, 3, 4, 7]) {
  const a = expressionCandidate(k, "github.event.issue.number");
  const t0 = process.hrtime.bigint();
  const aIssues = ISSUES.map((n) => evalA(a, { github: { event: { issue: { number: n } } } }));
  const aMs = Number(process.hrtime.bigint() - t0) / 1e6 / ISSUES.length;
  const aRuns = ISSUES.map((n) => evalA(expressionCandidate(k, "github.run_number"), { github: { run_number: n } }));
  const aBranch = BRANCHES.map((b) => evalA(expressionStringCandidate(k, "github.ref_name"), { github: { ref_name: b } }));
  const b = routeStep(ISSUES.map(String), k);
  const bBranch = routeStep(BRANCHES, k);
  const route = routeJobYaml(k);
  rows.push(
    `k=${k}`,
    `  A expression: GitHub's parser errors ${parses(a)}; runs-on ${a.length} chars on one line`,
    `     issues 1..1000 ${spread(aIssues, k)}; run_number 1..1000 ${spread(aRuns, k)}; ${BRANCHES.length} branches (last char) ${spread(aBranch, k)}`,
    `     time: evaluated by GitHub when the job is planned, no job added (local evaluation ${(aMs * 1000).toFixed(0)} µs)`,
    `  B route job:  GitHub's parser errors ${parses(affinityRunsOn(STEM), route + "\n")}; runs-on ${affinityRunsOn(STEM).length} chars, route job ${route.split("\n").length} lines`,
    `     issues 1..1000 ${spread(b.instances, k)}; run_number as issues; ${BRANCHES.length} branches (cksum) ${spread(bBranch.instances, k)}`,
    `     time: the step ${b.msPerRun.toFixed(1)} ms here, plus one more job's queue and start on a runner (GitHub's, not measurable here)`,
  );
}
console.log(rows.join("\n"));
