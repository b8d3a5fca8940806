import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../config/load";
import { checkWorkflow, expandRunsOn, failed, formatReport, matrixCombos, serve, targetsOf, type JobReport, type Target } from "../../tools/routing-check";
import { readStackFile, stackFileSource } from "../../tools/stack-file";
import { readWorkflow } from "../../tools/workflow-read";
import { baseConfig, sourceFrom, TOKEN } from "../helpers/config";
import { REPO } from "../helpers/env";

function targets(stacks: string[]): Target[] {
  return stacks.flatMap((stack) => targetsOf(stack, parseStackConfig(stackFileSource(readStackFile(REPO, stack)))));
}

async function checkText(file: string, content: string, ts: Target[]) {
  return checkWorkflow(await readWorkflow(file, content), ts);
}

async function check(dir: string, file: string, stacks = ["dev", "prod"]): Promise<{ problems: string[]; jobs: Record<string, JobReport> }> {
  const r = await checkText(file, readFileSync(join(REPO, "test/fixtures", dir, file), "utf8"), targets(stacks));
  return { problems: r.problems.map((p) => `${p.at}: ${p.message}`), jobs: Object.fromEntries(r.reports.map((x) => [x.job, x])) };
}

const status = (r: JobReport, i = 0): string => {
  const v = r.verdicts[i]!.verdict;
  return v.status === "ok" ? `${v.target.kind} ${v.target.name} ${v.target.stack}` : v.status === "routed" ? `routed ${v.targets.map((t) => t.name).join(",")}` : v.status;
};

describe("GitHub's parser", () => {
  it("refuses the seed's arithmetic, naming file:line:column", async () => {
    const r = await checkText("bot.yml", "on: issues\njobs:\n  work:\n    runs-on: rubionic-${{ github.event.issue.number % 3 + 1 }}\n    steps: [{run: make}]\n", []);
    expect(r.problems).toEqual([{ at: "bot.yml:4:23", message: "Unexpected symbol: '%'. Located at position 27 within expression: github.event.issue.number % 3 + 1" }]);
    // The refused job is not also reported as unroutable: it says why it cannot be resolved.
    expect(r.reports[0]!.unknown).toMatch(/GitHub's parser refuses/);
  });

  it("names the workflow file of a YAML syntax error", async () => {
    const r = await checkText("broken-yaml.yml", "on: push\njobs:\n  a: [\n", []);
    expect(r.problems[0]!.at).toBe("broken-yaml.yml:4:1");
    expect(r.problems[0]!.message).toMatch(/Flow sequence/);
  });
});

describe("matrix combinations, as GitHub forms them", () => {
  it("takes the product, drops excludes, extends or adds includes", () => {
    expect(matrixCombos({ os: ["a", "b"], v: [1, 2], exclude: [{ os: "b", v: 2 }], include: [{ os: "a", extra: "x" }, { os: "c" }] })).toEqual([
      { os: "a", v: 1, extra: "x" },
      { os: "a", v: 2, extra: "x" },
      { os: "b", v: 1 },
      { os: "c" },
    ]);
    expect(matrixCombos({ $expr: "fromJSON(needs.plan.outputs.matrix)" })).toBeUndefined();
  });
});

describe("runs-on expansion", () => {
  it("expands matrix values and reports what it cannot know", () => {
    expect(expandRunsOn({ runsOn: ["self-hosted", { $expr: "matrix.arch" }], matrix: { arch: ["X64"], include: [{ arch: "ARM64" }] } })).toEqual({
      requirements: [{ labels: ["self-hosted", "X64"] }, { labels: ["self-hosted", "ARM64"] }],
    });
    expect(expandRunsOn({ runsOn: { $expr: "vars.RUNNER" }, matrix: undefined })).toEqual({ unknown: "${{ vars.RUNNER }} depends on values known only when the workflow runs" });
    expect(expandRunsOn({ runsOn: { group: "kernel", labels: "kernel" }, matrix: undefined })).toEqual({ requirements: [{ labels: ["kernel"], group: "kernel" }] });
    expect(expandRunsOn({ runsOn: { $expr: "fromJSON('[\"self-hosted\",\"ARM64\"]')" }, matrix: undefined })).toEqual({ requirements: [{ labels: ["self-hosted", "ARM64"] }] });
  });
});

describe("label routing against the real stacks, with the labels registration sends", () => {
  it("routes every job of a healthy workflow to exactly one scale set, or one set's instances", async () => {
    const { problems, jobs: r } = await check("workflows-ok", "kernel.yml");
    expect(problems).toEqual([]);
    expect(Object.keys(r)).toEqual(["build-arm64", "vm-tests", "route", "workspace", "org-build", "org-build-by-name", "lint"]);
    expect(status(r["build-arm64"]!)).toBe("host pool graviton-builders prod");
    expect(status(r["vm-tests"]!)).toBe("host pool kvm-x64 prod");
    expect(status(r.workspace!)).toBe("routed rubionic-1,rubionic-2,rubionic-3");
    expect(status(r["org-build"]!)).toBe("scale set org-builders-1 prod");
    expect(status(r["org-build-by-name"]!)).toBe("scale set org-builders-1 prod");
    expect(status(r.lint!)).toBe("github-hosted");
    // No caveat any more: labels are how GitHub routes to scale sets.
    expect(Object.values(r).flatMap(formatReport).join("\n")).not.toMatch(/CAVEAT|uncertain/);
    expect(Object.values(r).some((x) => failed(x, true))).toBe(false);
    const m = await check("workflows-ok", "matrix.yml");
    expect(m.jobs["per-instance"]!.verdicts.map((_, i) => status(m.jobs["per-instance"]!, i))).toEqual(["scale set rubionic-1 dev", "scale set rubionic-2 dev", "scale set rubionic-3 dev"]);
  });

  it("finds the typo, the ambiguity, the refused expression, and says what it cannot resolve", async () => {
    const { problems, jobs: r } = await check("workflows-broken", "broken.yml");
    expect(problems).toEqual(["broken.yml:16:23: Unexpected symbol: '%'. Located at position 27 within expression: github.event.issue.number % 4 + 1"]);
    expect(r.typo!.verdicts[0]!.verdict.status).toBe("none");
    expect(formatReport(r.typo!)[0]).toBe("NONE     broken.yml:5: typo: runs-on [self-hosted, linux, ARM46]: no runner set or pool is registered with all of [self-hosted, linux, ARM46]; the job would wait forever");
    expect(r.vague!.verdicts[0]!.verdict).toMatchObject({ status: "ambiguous" });
    // rubionic's instances leave the classic labels off (reached by name for their caches); in prod an
    // amd64 set and both pools carry them: any of them may get the job.
    expect(formatReport(r.vague!)[0]).toMatch(/^AMBIGUOUS broken\.yml:10: vague: .* matches scale set org-builders-1 and host pool kvm-x64 and host pool graviton-builders \(prod\); GitHub may give the job to any of them$/);
    expect(status(r.group!)).toBe("host pool graviton-builders prod");
    expect(r["from-vars"]!.unknown).toMatch(/vars\.RUNNER/);
    expect(failed(r["from-vars"]!)).toBe(false);
    expect(failed(r["from-vars"]!, true)).toBe(true);
  });
});

/** The shapes users bring, against a stack with an arm64 pool, an amd64 pool and a 3-instance set. */
describe("the workflows our users write", () => {
  const cfg = parseStackConfig(
    sourceFrom(
      {
        ...baseConfig(),
        github: { url: "https://github.com/acme", auth: "token" },
        runnerSets: [{ name: "bot", instances: 3, arch: "amd64", labels: ["bot"] }],
        hostPools: [
          { name: "graviton", arch: "arm64", instanceTypes: ["c7g.2xlarge"], labels: ["kernel"] },
          { name: "metal", arch: "amd64", instanceTypes: ["c6i.metal"], labels: ["kvm"] },
        ],
      },
      { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } },
    ),
  );
  const ts = targetsOf("t", cfg);
  const wf = `on: [issues, push]
jobs:
  classic-arm64:
    runs-on: [self-hosted, linux, ARM64]
    steps: [{run: make}]
  route:
    runs-on: ubuntu-latest
    outputs: { instance: "\${{ steps.pick.outputs.instance }}" }
    steps: [{id: pick, run: echo}]
  bot:
    needs: route
    runs-on: bot-\${{ needs.route.outputs.instance }}
    steps: [{run: make}]
  across-pools:
    strategy:
      matrix:
        pool: [graviton, metal]
    runs-on: \${{ matrix.pool }}
    steps: [{run: make}]
  classic-x64:
    runs-on: [self-hosted, linux, X64]
    steps: [{run: make}]
`;

  it("a classic multi-label arm64 job, a bot routed by issue number, a matrix across pools", async () => {
    const r = Object.fromEntries((await checkText("users.yml", wf, ts)).reports.map((x) => [x.job, x]));
    expect(status(r["classic-arm64"]!)).toBe("host pool graviton t");
    expect(status(r.bot!)).toBe("routed bot-1,bot-2,bot-3");
    expect([0, 1].map((i) => status(r["across-pools"]!, i))).toEqual(["host pool graviton t", "host pool metal t"]);
    // The amd64 bot set and the amd64 metal pool both carry the classic labels: GitHub may pick either.
    expect(r["classic-x64"]!.verdicts[0]!.verdict).toMatchObject({ status: "ambiguous" });
  });

  it("a GHES below 3.21 without the flag drops extra labels: only names match", async () => {
    const ghes = parseStackConfig(
      sourceFrom(
        { ...baseConfig(), github: { url: "https://ghe.acme.test/acme", auth: "token", enterpriseServer: { version: "3.20" } }, runnerSets: [], hostPools: [{ name: "graviton", arch: "arm64", instanceTypes: ["c7g.2xlarge"] }] },
        { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } },
      ),
    );
    const t = targetsOf("ghes", ghes);
    expect(serve({ labels: ["self-hosted", "linux", "ARM64"] }, t).status).toBe("none");
    expect(serve({ labels: ["graviton"] }, t).status).toBe("ok");
    const flagged = parseStackConfig(
      sourceFrom(
        { ...baseConfig(), github: { url: "https://ghe.acme.test/acme", auth: "token", enterpriseServer: { version: "3.20", customLabels: true } }, runnerSets: [], hostPools: [{ name: "graviton", arch: "arm64", instanceTypes: ["c7g.2xlarge"] }] },
        { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } },
      ),
    );
    expect(serve({ labels: ["self-hosted", "linux", "ARM64"] }, targetsOf("ghes", flagged)).status).toBe("ok");
  });
});

describe("the CLI", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(REPO, "tools/bundle-run.ts"), join(REPO, "tools/check-workflows.ts"), ...args], { cwd: REPO, encoding: "utf8" });

  // Each run bundles the tool with esbuild first: slow on a loaded machine, so two runs only.
  it("exits non-zero on broken workflows (--strict also on what it cannot resolve), zero on healthy ones", () => {
    const strict = run(join(REPO, "test/fixtures/workflows-broken"), "--stack", "prod", "--stack", "dev", "--strict");
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/ERROR {4}broken\.yml:16:23: Unexpected symbol: '%'/);
    expect(strict.stdout).toMatch(/1 workflow error\(s\), 4 job\(s\) would not route or cannot be resolved/);
    expect(run(join(REPO, "test/fixtures/workflows-ok"), "--stack", "prod", "--stack", "dev").status).toBe(0);
  }, 180_000);
});
