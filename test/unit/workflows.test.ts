import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkActionMetadata } from "../../tools/action-metadata";
import { changedStacks } from "../../tools/changed-stacks-lib";
import { checkWorkflow, failed } from "../../tools/routing-check";
import { readWorkflow } from "../../tools/workflow-read";
import { hasCommand, REPO } from "../helpers/env";

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: string;
  strategy?: { matrix?: { stack?: string } };
  concurrency?: { "cancel-in-progress"?: boolean };
  steps: Step[];
};
type Workflow = { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };

const FILES = ["preview.yml", "preview-comment.yml", "up.yml"];
const raw = (f: string) => readFileSync(join(REPO, ".github/workflows", f), "utf8");
const wf = (f: string) => parse(raw(f)) as Workflow;

/**
 * The actions we pin, as read from each action's public repository at the pinned commit (see the
 * fixture's `checked`): the tag, its commit, the runtime in action.yml and the inputs it declares.
 */
interface ActionPin {
  action: string;
  tag: string;
  sha: string;
  using: string;
  inputs: string[];
}
const PINS = JSON.parse(readFileSync(join(REPO, "test/fixtures/action-pins.json"), "utf8")) as { pins: ActionPin[]; retired: { action: string; sha: string; using: string }[] };
/** GitHub has moved JavaScript actions off these runtimes: an action still on one fails or is forced onto another. */
const RETIRED_RUNTIMES = /^node(12|16|20)$/;

function pinProblems(uses: string, withKeys: string[], pins: ActionPin[]): string[] {
  const m = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/.exec(uses);
  if (!m) return [`${uses}: not pinned to a full commit SHA`];
  const pin = pins.find((p) => p.action === m[1] && p.sha === m[2]);
  if (!pin) return [`${uses}: not a commit whose tag, runtime and inputs were checked (test/fixtures/action-pins.json)`];
  const out: string[] = [];
  if (RETIRED_RUNTIMES.test(pin.using)) out.push(`${pin.action}@${pin.tag} runs on ${pin.using}, which GitHub has retired`);
  for (const k of withKeys) if (!pin.inputs.includes(k)) out.push(`${pin.action}@${pin.tag} has no input "${k}"`);
  return out;
}

describe("workflow files", () => {
  it.each(FILES)("%s pins every action to a commit SHA with its version", (f) => {
    const uses = raw(f).split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const l of uses) expect(l, l).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    for (const l of uses) {
      const [, ref, tag] = /uses: (\S+) # (\S+)$/.exec(l)!;
      expect(PINS.pins.find((p) => `${p.action}@${p.sha}` === ref)?.tag, `${ref} is commented as ${tag}`).toBe(tag);
    }
  });

  it.each(FILES)("%s uses only actions on a current runtime, with inputs they declare", (f) => {
    for (const job of Object.values(wf(f).jobs))
      for (const step of job.steps) if (step.uses) expect(pinProblems(step.uses, Object.keys(step.with ?? {}), PINS.pins), step.uses).toEqual([]);
  });

  it("refuses the node20 pins we had, an unknown SHA and an undeclared input", () => {
    for (const old of PINS.retired) {
      expect(old.using).toBe("node20");
      const asIfChecked = [...PINS.pins, { action: old.action, tag: "old", sha: old.sha, using: old.using, inputs: [] }];
      expect(pinProblems(`${old.action}@${old.sha}`, [], asIfChecked)).toEqual([`${old.action}@old runs on node20, which GitHub has retired`]);
    }
    expect(pinProblems(`actions/checkout@${"0".repeat(40)}`, [], PINS.pins)[0]).toMatch(/not a commit whose tag/);
    expect(pinProblems("actions/checkout@v7", [], PINS.pins)[0]).toMatch(/full commit SHA/);
    const checkout = PINS.pins.find((p) => p.action === "actions/checkout")!;
    expect(pinProblems(`actions/checkout@${checkout.sha}`, ["fetch-dept"], PINS.pins)).toEqual([`actions/checkout@${checkout.tag} has no input "fetch-dept"`]);
  });

  it.each(FILES)("%s reads only by default and widens per job, no further than needed", (f) => {
    const w = wf(f);
    expect(w.permissions).toEqual({ contents: "read" });
    const allowed = new Set(["contents:read", "id-token:write", "pull-requests:write", "actions:read"]);
    for (const [name, job] of Object.entries(w.jobs)) {
      for (const [k, v] of Object.entries(job.permissions ?? {})) expect(allowed.has(`${k}:${v}`), `${f} ${name}: ${k}: ${v}`).toBe(true);
    }
  });

  it("preview: detects stacks, previews them in parallel, diffs offline for everyone, always summarises", () => {
    const w = wf("preview.yml");
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    expect(w.jobs["offline-diff"]!.needs).toBe("changes");
    expect(w.jobs.preview!.needs).toBe("changes");
    for (const j of ["offline-diff", "preview"]) expect(w.jobs[j]!.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.changes.outputs.stacks) }}");
    expect(w.jobs.summary).toMatchObject({ needs: ["changes", "offline-diff", "preview"], if: "always()" });
    expect(w.jobs.preview!.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    const pulumiStep = w.jobs.preview!.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(pulumiStep.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true });
    expect(JSON.stringify(w.jobs["offline-diff"])).not.toContain("secrets.");
    expect(w.jobs["offline-diff"]!.steps.some((s) => s.run?.includes("npm run -s diff"))).toBe(true);
  });

  it("preview-comment: posts fork diffs without ever running the fork's code", () => {
    const w = wf("preview-comment.yml");
    expect(w.on).toEqual({ workflow_run: { workflows: ["preview"], types: ["completed"] } });
    const steps = w.jobs.comment!.steps;
    expect(steps.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(false);
    expect(steps.find((s) => s.run)!.run).toContain("*[!0-9]*");
  });

  it("up: one environment per stack, deployments of a stack never cancelled mid-way", () => {
    const up = wf("up.yml").jobs.up!;
    expect(up.environment).toBe("${{ matrix.stack }}");
    expect(up.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(up.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!.with).toMatchObject({ command: "up" });
  });

  it("every job runs on GitHub-hosted runners, and GitHub's parser accepts the file", async () => {
    for (const f of FILES) {
      const check = checkWorkflow(await readWorkflow(f, raw(f)), []);
      expect(check.problems, f).toEqual([]);
      for (const r of check.reports) expect(failed(r, true), `${f} ${r.job}`).toBe(false);
    }
  });
});

describe.runIf(hasCommand("shellcheck", "shellcheck"))("workflow run blocks under shellcheck", () => {
  const blocks = FILES.flatMap((f) => Object.entries(wf(f).jobs).flatMap(([j, job]) => job.steps.filter((s) => s.run).map((s, i) => [`${f} ${j} #${i}`, s.run!] as [string, string])));
  it.each(blocks)("%s", (_n, run) => {
    const file = join(mkdtempSync(join(tmpdir(), "wf-")), "run.sh");
    // Expressions are substituted by Actions before bash runs; stand in a word for each.
    writeFileSync(file, `#!/bin/bash\nset -e\n${run.replace(/\$\{\{[^}]*\}\}/g, "expr")}\n`);
    expect(() => execFileSync("shellcheck", ["--severity=style", file], { encoding: "utf8" })).not.toThrow();
  });
});

describe("changed stacks", () => {
  const stacks = ["dev", "prod", "team-payments"];
  it("maps a stack file to its stack, code to every stack, docs to none", () => {
    expect(changedStacks(["Pulumi.prod.yaml"], stacks)).toEqual(["prod"]);
    expect(changedStacks(["Pulumi.prod.yaml", "Pulumi.team-payments.yaml", "README.md"], stacks)).toEqual(["prod", "team-payments"]);
    expect(changedStacks(["components/arc/RunnerScaleSet.ts"], stacks)).toEqual(stacks);
    expect(changedStacks(["package-lock.json"], stacks)).toEqual(stacks);
    expect(changedStacks(["README.md", "test/unit/x.test.ts", ".github/workflows/up.yml"], stacks)).toEqual([]);
    expect(changedStacks(["Pulumi.gone.yaml"], stacks)).toEqual([]);
  });
});

describe("action metadata (actions/runner's action_yaml.json, node24 only)", () => {
  const actionDir = join(REPO, "checkout");
  const meta = parse(readFileSync(join(actionDir, "action.yml"), "utf8")) as Record<string, unknown>;

  it("checkout/action.yml: a node24 action whose post step always runs", () => {
    expect(checkActionMetadata(meta, actionDir)).toEqual([]);
    expect(meta.runs).toEqual({ using: "node24", main: "dist/main.js", post: "dist/post.js", "post-if": "always()" });
  });

  // Each rule can fail, and says why.
  const bad: [string, Record<string, unknown>, string][] = [
    ["a retired Node", { runs: { using: "node20", main: "dist/main.js" } }, "runs.using: node20 is retired; use node24"],
    ["Node 16", { runs: { using: "node16", main: "dist/main.js" } }, "runs.using: node16 is retired; use node24"],
    ["a composite action with a post step", { runs: { using: "composite", steps: [], post: "x" } }, "runs.post: a composite action cannot have it (the runner ignores it)"],
    ["a missing bundle", { runs: { using: "node24", main: "dist/gone.js" } }, "runs.main: dist/gone.js does not exist"],
    ["an unknown runs key", { runs: { using: "node24", main: "dist/main.js", cleanup: "x" } }, "runs.cleanup: not a key of a node action"],
    ["an unquoted numeric default", { inputs: { depth: { description: "d", default: 1 } } }, "inputs.depth.default: must be a string (quote it)"],
    ["a default using secrets", { inputs: { token: { description: "t", default: "${{ secrets.X }}" } } }, "inputs.token.default: 'secrets.X' uses a context a default cannot (github, strategy, matrix, job, runner, hashFiles)"],
    ["an input without a description", { inputs: { x: { default: "" } } }, "inputs.x.description: required"],
  ];
  it.each(bad)("refuses %s", (_what, change, problem) => {
    expect(checkActionMetadata({ ...meta, ...change }, actionDir)).toContain(problem);
  });
});
