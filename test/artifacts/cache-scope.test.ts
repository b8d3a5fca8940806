import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cacheScopeHookScript } from "../../components/arc/cache-scope-hook";
import { hookConfigMapData } from "../../components/arc/hook-config-map";
import { CACHE_ROOT_IN_RUNNER, CACHE_SCOPE_HOOK_FILE, CHART_HOOKS, HOOK_TEMPLATE_DIR, HOOKS_ENV, JOB_TEMPLATE_OUT, RUNNER_ROOT, SCOPED_TEMPLATE_FILE, WRITER_TEMPLATE_FILE } from "../../components/arc/hook-template-names";
import { runnerPodTemplate } from "../../components/arc/scale-set-values";
import { parseStackConfig } from "../../config/load";
import { fleetModel, type RunnerSetModel } from "../../config/model";
import { sourceFrom, TOKEN } from "../helpers/config";
import { hasCommand, prerequisite } from "../helpers/env";
import { applyHookTemplate, baseJobPod, type Container, type PodSpec } from "../helpers/hook-merge";

/**
 * ARC instance caches scoped by the trusted side. The hook script below is the one the runner runs
 * (ACTIONS_RUNNER_CONTAINER_HOOKS) with the github context's variables; it is run here for real
 * (bash, as actions/runner runs a .sh hook: `bash --noprofile --norc -e -o pipefail <file>`), with a
 * stand-in for the chart's hook that records what it was handed. The job pod is then built with the
 * hooks' own merge rules, and its mounts are made for real (bind mounts, read-only where the
 * template says so, in a private mount namespace) before a hostile pull-request job and a
 * default-branch job run in them.
 */

function refScopedSet(defaultBranch = "main"): RunnerSetModel {
  const cfg = {
    github: { url: "https://github.com/acme", auth: "token" },
    cluster: { type: "existing", archs: ["amd64"], storageClass: "gp3" },
    runnerSets: [{ name: "k8s", containerMode: "kubernetes", storage: { defaultBranch } }],
  };
  return fleetModel(parseStackConfig(sourceFrom(cfg, { secrets: TOKEN }))).runnerSets[0]!;
}

interface Stage {
  dir: string;
  vol: string;
  out: string;
  record: string;
  hook: string;
}

/** The hook ConfigMap's files on disk, a cache volume, and a runner install whose node records its call. */
function stage(set = refScopedSet()): Stage {
  const dir = mkdtempSync(join(tmpdir(), "cache-scope-"));
  chmodSync(dir, 0o755); // the non-root job below must reach its mounts
  const templates = join(dir, "hooks");
  const vol = join(dir, "volume");
  const record = join(dir, "record");
  const runnerRoot = join(dir, "runner");
  for (const d of [templates, vol, record, join(runnerRoot, "externals/node20/bin")]) mkdirSync(d, { recursive: true });
  const inst = set.instances[0]!;
  const scope = inst.cache!.scope;
  if (scope.kind !== "ref") throw new Error("expected a ref-scoped cache");
  for (const [file, text] of Object.entries(hookConfigMapData(set, inst))) writeFileSync(join(templates, file), text);
  const node = join(runnerRoot, "externals/node20/bin/node");
  writeFileSync(
    node,
    `#!/bin/sh\ncat > '${record}/stdin'\nprintf '%s' "$1" > '${record}/hook'\nprintf '%s' "$ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE" > '${record}/template-path'\n`,
  );
  chmodSync(node, 0o755);
  const out = join(dir, "job-template.yaml");
  const hook = join(dir, CACHE_SCOPE_HOOK_FILE);
  writeFileSync(
    hook,
    cacheScopeHookScript({ templatesDir: templates, cacheRoot: vol, templateOut: out, chartHook: CHART_HOOKS.kubernetes, runnerRoot, defaultBranch: scope.defaultBranch }),
  );
  return { dir, vol, out, record, hook };
}

interface GithubEnv {
  GITHUB_REPOSITORY_ID?: string;
  GITHUB_EVENT_NAME?: string;
  GITHUB_REF?: string;
}

const PREPARE_JOB = JSON.stringify({ command: "prepare_job", responseFile: "/home/runner/_work/_temp/x.json", args: { container: { image: "node:22" } } });

function runHook(s: Stage, env: GithubEnv): { status: number | null; stderr: string; template?: { spec: PodSpec } } {
  const r = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", s.hook], {
    input: PREPARE_JOB,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });
  const template = r.status === 0 ? (parse(readFileSync(s.out, "utf8")) as { spec: PodSpec }) : undefined;
  return { status: r.status, stderr: r.stderr, template };
}

const scopeKey = (event: string, ref: string) => `${event}-${createHash("sha256").update(`${event}\n${ref}`).digest("hex").slice(0, 32)}`;

function jobMounts(template: { spec: PodSpec }): NonNullable<Container["volumeMounts"]> {
  const pod = applyHookTemplate(baseJobPod(), template);
  return pod.containers.find((c) => c.name === "job")!.volumeMounts!.filter((m) => m.name === "cache");
}

describe("ARC cache scope: decided by the runner's hook from the job's github context", () => {
  it("the runner pod runs our hook, holds the whole volume only there, and gives no job the cache env", () => {
    const set = refScopedSet();
    const pod = runnerPodTemplate(set, set.instances[0]!).spec as unknown as { containers: Container[] };
    const runner = pod.containers[0]!;
    expect(runner.env).toEqual([{ name: HOOKS_ENV, value: `${HOOK_TEMPLATE_DIR}/${CACHE_SCOPE_HOOK_FILE}` }]);
    expect(runner.volumeMounts).toEqual([
      { name: "cache", mountPath: CACHE_ROOT_IN_RUNNER },
      { name: "runner-fleet-hook-template", mountPath: HOOK_TEMPLATE_DIR, readOnly: true },
    ]);
    // The deployed script is this function's output with the runner image's paths.
    const data = hookConfigMapData(set, set.instances[0]!);
    expect(data[CACHE_SCOPE_HOOK_FILE]).toBe(
      cacheScopeHookScript({ templatesDir: HOOK_TEMPLATE_DIR, cacheRoot: CACHE_ROOT_IN_RUNNER, templateOut: JOB_TEMPLATE_OUT, chartHook: CHART_HOOKS.kubernetes, runnerRoot: RUNNER_ROOT, defaultBranch: "main" }),
    );
    expect(Object.keys(data).sort()).toEqual([CACHE_SCOPE_HOOK_FILE, SCOPED_TEMPLATE_FILE, WRITER_TEMPLATE_FILE].sort());
  });

  it.each([
    ["push", "refs/heads/main", true],
    ["schedule", "refs/heads/main", true],
    ["workflow_dispatch", "refs/heads/main", true],
    ["pull_request", "refs/pull/7/merge", false],
    // Default-branch context, but started by outsiders (the published 2026 compromise chained this).
    ["pull_request_target", "refs/heads/main", false],
    ["issue_comment", "refs/heads/main", false],
    ["issues", "refs/heads/main", false],
    ["workflow_run", "refs/heads/main", false],
    ["push", "refs/heads/feature", false],
    ["push", "refs/tags/v1", false],
  ])("%s on %s writes the shared part: %s", (event, ref, writer) => {
    const s = stage();
    const r = runHook(s, { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: event, GITHUB_REF: ref });
    expect(r.status, r.stderr).toBe(0);
    const mounts = jobMounts(r.template!);
    if (writer) {
      expect(mounts).toEqual([{ name: "cache", mountPath: "/home/runner/cache", subPath: "repos/42/shared" }]);
    } else {
      expect(mounts).toEqual([
        { name: "cache", mountPath: "/home/runner/cache", subPath: "repos/42/shared", readOnly: true },
        { name: "cache", mountPath: "/home/runner/cache-write", subPath: `repos/42/scopes/${scopeKey(event, ref)}` },
      ]);
      expect(existsSync(join(s.vol, `repos/42/scopes/${scopeKey(event, ref)}`))).toBe(true);
    }
    expect(existsSync(join(s.vol, "repos/42/shared"))).toBe(true);
    // The chart's hook got the job's hook input untouched, and our template.
    expect(readFileSync(join(s.record, "stdin"), "utf8")).toBe(PREPARE_JOB);
    expect(readFileSync(join(s.record, "hook"), "utf8")).toBe(CHART_HOOKS.kubernetes);
    expect(readFileSync(join(s.record, "template-path"), "utf8")).toBe(s.out);
  });

  it("keys scopes by repository, event and ref: two pull requests, two repositories never share a part", () => {
    const s = stage();
    const sub = (env: GithubEnv) => jobMounts(runHook(s, env).template!).map((m) => m.subPath);
    const pr7 = sub({ GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/7/merge" });
    const pr8 = sub({ GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/8/merge" });
    const other = sub({ GITHUB_REPOSITORY_ID: "43", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" });
    expect(pr7[1]).not.toBe(pr8[1]);
    expect(pr7[0]).toBe(pr8[0]);
    expect(other).toEqual(["repos/43/shared"]);
    expect(sub({ GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/7/merge" })).toEqual(pr7);
  });

  it("follows the configured default branch", () => {
    const s = stage(refScopedSet("trunk"));
    expect(jobMounts(runHook(s, { GITHUB_REPOSITORY_ID: "1", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/trunk" }).template!)).toHaveLength(1);
    expect(jobMounts(runHook(s, { GITHUB_REPOSITORY_ID: "1", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" }).template!)).toHaveLength(2);
  });

  it.each([
    [{ GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" }, /GITHUB_REPOSITORY_ID is not a number/],
    [{ GITHUB_REPOSITORY_ID: "42/../../x", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" }, /GITHUB_REPOSITORY_ID is not a number/],
    [{ GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "push/x", GITHUB_REF: "refs/heads/main" }, /GITHUB_EVENT_NAME is not an event name/],
  ])("fails closed on a github context it cannot use (%j): the chart's hook never runs", (env, message) => {
    const s = stage();
    const r = runHook(s, env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(s.record, "stdin"))).toBe(false);
  });

  it("refuses a link planted in the layout (it would point a read-write mount at the shared part)", () => {
    const s = stage();
    const event = "pull_request";
    const ref = "refs/pull/7/merge";
    mkdirSync(join(s.vol, "repos/42/shared"), { recursive: true });
    mkdirSync(join(s.vol, "repos/42/scopes"), { recursive: true });
    symlinkSync("../shared", join(s.vol, `repos/42/scopes/${scopeKey(event, ref)}`));
    const r = runHook(s, { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: event, GITHUB_REF: ref });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/is not a plain directory/);
    expect(existsSync(join(s.record, "stdin"))).toBe(false);
    const s2 = stage();
    symlinkSync(s2.dir, join(s2.vol, "repos"));
    expect(runHook(s2, { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" }).stderr).toMatch(/repos in the cache is not a plain directory/);
  });

  it.runIf(hasCommand("shellcheck", "shellcheck"))("the hook script is clean under shellcheck", () => {
    const s = stage();
    expect(() => execFileSync("shellcheck", ["--shell=sh", "--severity=style", s.hook], { encoding: "utf8" })).not.toThrow();
  });
});

function canMountNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync("unshare", ["--mount", "--propagation", "private", "true"]).status === 0 && spawnSync("setpriv", ["--version"]).status === 0;
}

/**
 * Runs `job` (a shell script) the way the job container sees the cache: each cache mount of the
 * job pod bound from the volume at its subPath, read-only where the template says so, in a mount
 * namespace of its own, as uid 1000 (a non-root image) or as root without CAP_SYS_ADMIN (a root
 * image in a container: it cannot remount).
 */
function runJob(s: Stage, template: { spec: PodSpec }, job: string, as: "user" | "root"): string {
  const ctr = mkdtempSync(join(s.dir, "ctr-"));
  chmodSync(ctr, 0o755);
  const pod = applyHookTemplate(baseJobPod(), template);
  const container = pod.containers.find((c) => c.name === "job")!;
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value.startsWith("/") ? `${ctr}${e.value}` : e.value]));
  const lines = ["set -e"];
  for (const m of container.volumeMounts!.filter((v) => v.name === "cache")) {
    const target = `${ctr}${m.mountPath}`;
    lines.push(`mkdir -p '${target}'`, `mount --bind '${join(s.vol, m.subPath ?? "")}' '${target}'`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro '${target}'`);
  }
  const drop = as === "user" ? "setpriv --reuid=1000 --regid=1000 --clear-groups" : "setpriv --bounding-set=-sys_admin";
  lines.push(`exec ${drop} sh -c "$JOB"`);
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", lines.join("\n")], {
    env: { PATH: process.env.PATH, JOB: job, ...env },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.runIf(prerequisite("root with mount namespaces (unshare, setpriv)", canMountNamespaces(), "run as root on Linux"))(
  "ARC cache scope, mounted for real: a pull request's write is invisible to a default-branch job",
  () => {
    const PR = { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/7/merge" };
    const OTHER_PR = { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/8/merge" };
    const MAIN = { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/main" };
    const COMMENT = { GITHUB_REPOSITORY_ID: "42", GITHUB_EVENT_NAME: "issue_comment", GITHUB_REF: "refs/heads/main" };

    const hostile = `
      echo poisoned > "$RUNNER_FLEET_CACHE_WRITE_DIR/toolchain"
      ln -s ../shared "$RUNNER_FLEET_CACHE_WRITE_DIR/up" 2>/dev/null || true
      if echo poisoned > "$RUNNER_FLEET_CACHE_DIR/toolchain" 2>/dev/null; then echo shared:written; else echo shared:refused; fi
      if mkdir "$RUNNER_FLEET_CACHE_DIR/hooks" 2>/dev/null; then echo mkdir:done; else echo mkdir:refused; fi
      if mount -o remount,rw "$RUNNER_FLEET_CACHE_DIR" 2>/dev/null; then echo remount:done; else echo remount:refused; fi
      echo scope:$RUNNER_FLEET_CACHE_SCOPE
    `;
    const reader = `
      for f in toolchain up hooks; do if [ -e "$RUNNER_FLEET_CACHE_DIR/$f" ]; then echo "$f:$(cat "$RUNNER_FLEET_CACHE_DIR/$f" 2>/dev/null || echo present)"; else echo "$f:absent"; fi; done
      echo "own:[$(ls -A "$RUNNER_FLEET_CACHE_WRITE_DIR" | tr '\\n' ' ')]"
    `;

    it.each(["user", "root"] as const)("as %s: the PR job writes only its own part; the default branch reads none of it, and its own writes reach later PRs", (as) => {
      const s = stage();
      // A trusted push fills the shared part.
      const first = runHook(s, MAIN);
      runJob(s, first.template!, `echo trusted > "$RUNNER_FLEET_CACHE_WRITE_DIR/toolchain"`, as);

      // The hostile pull request.
      const pr = runHook(s, PR);
      const out = runJob(s, pr.template!, hostile, as);
      expect(out).toContain("shared:refused");
      expect(out).toContain("mkdir:refused");
      expect(out).toContain("remount:refused");
      expect(out).toContain(`scope:${scopeKey("pull_request", "refs/pull/7/merge")}`);

      // The next default-branch job: the trusted content, nothing the PR wrote.
      const main = runJob(s, runHook(s, MAIN).template!, reader, as);
      expect(main).toContain("toolchain:trusted");
      expect(main).toContain("up:absent");
      expect(main).toContain("hooks:absent");

      // Another PR, and a comment-triggered job on the default branch: neither sees PR 7's part.
      for (const env of [OTHER_PR, COMMENT]) {
        const o = runJob(s, runHook(s, env).template!, reader, as);
        expect(o).toContain("toolchain:trusted");
        expect(o).toContain("own:[]");
      }
      // PR 7's next run finds its own part warm.
      const again = runJob(s, runHook(s, PR).template!, reader, as);
      expect(again).toContain("own:[toolchain up ]");
    });
  },
);
