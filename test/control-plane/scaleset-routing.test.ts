import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MessageSession, RunnerScaleSet } from "../../control-plane/scaleset/api";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { startScaleSetStandin, type ScaleSetStandin, type ScaleSetStandinOptions, type StandinRunnerGroup } from "../standins/scaleset-server";

/**
 * How the stand-in routes a job (issue 20): to a set whose labels hold every label of its runs-on,
 * within the set's runner group (GitHub's REST runner-group fields, read here from
 * @octokit/openapi), dropping extra labels on a GHES without custom scale-set labels, and to
 * either of two sets that both match. Each case has its twin that is routed, so a stand-in that
 * ignored the rule would fail.
 */

const PAT = "ghp_routingroutingroutingrouting0123";
let s: ScaleSetStandin | undefined;

afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** GitHub's documented defaults for a runner group created without these fields (POST /orgs/{org}/actions/runner-groups). */
function openApiGroupDefaults(): { visibility: string; allowsPublicRepositories: boolean; restrictedToWorkflows: boolean } {
  const path = join(__dirname, "../../node_modules/@octokit/openapi/generated/api.github.com.json");
  const api = JSON.parse(readFileSync(path, "utf8")) as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, { default?: unknown; enum?: string[] }> } }> } } }> };
  const props = api.paths["/orgs/{org}/actions/runner-groups"]!.post.requestBody.content["application/json"]!.schema.properties;
  expect(props.visibility!.enum).toEqual(expect.arrayContaining(["all", "selected", "private"]));
  return { visibility: String(props.visibility!.default), allowsPublicRepositories: props.allows_public_repositories!.default === true, restrictedToWorkflows: props.restricted_to_workflows!.default === true };
}

async function start(groups: StandinRunnerGroup[], o: Partial<ScaleSetStandinOptions> = {}) {
  s = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], runnerGroups: groups, pollMs: 50, ...o });
  const c = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "token", token: PAT }, { http: { sleep: async () => {} } });
  const set = (name: string, groupId: number, labels: string[] = [name]) => c.createRunnerScaleSet({ name, runnerGroupId: groupId, labels: labels.map((l) => ({ type: "System" as const, name: l })) });
  return { s, c, set };
}

describe("runner-group rules: a job from outside the group is not offered to its set", () => {
  it("a group created with no access fields behaves as GitHub's documented defaults say", async () => {
    const d = openApiGroupDefaults();
    expect(d).toEqual({ visibility: "all", allowsPublicRepositories: false, restrictedToWorkflows: false });
    const { s, set } = await start([{ id: 1, name: "Default", isDefaultGroup: true }]);
    const a = await set("builders", 1);
    // visibility "all": any repository of the organisation, any workflow ...
    expect(s.submitJob({ runsOn: "builders", repository: "acme/api", workflowRef: "acme/api/.github/workflows/any.yml@refs/heads/x" }).scaleSetId).toBe(a.id);
    // ... but not a public repository (allows_public_repositories defaults to false).
    expect(s.submitJob({ runsOn: "builders", repository: "acme/oss", public: true })).toMatchObject({ state: "queued", scaleSetId: undefined });
  });

  it("visibility selected: only the selected repositories", async () => {
    const { s, set } = await start([{ id: 2, name: "api-only", isDefaultGroup: false, visibility: "selected", selectedRepositories: ["acme/api"] }]);
    const a = await set("builders", 2);
    expect(s.submitJob({ runsOn: "builders", repository: "acme/API" }).scaleSetId).toBe(a.id);
    expect(s.submitJob({ runsOn: "builders", repository: "acme/web" })).toMatchObject({ state: "queued", scaleSetId: undefined });
  });

  it("visibility private and allows_public_repositories", async () => {
    const { s, set } = await start([
      { id: 2, name: "private", isDefaultGroup: false, visibility: "private", allowsPublicRepositories: true },
      { id: 3, name: "open", isDefaultGroup: false, visibility: "all", allowsPublicRepositories: true },
    ]);
    const priv = await set("private-set", 2, ["private-set", "linux"]);
    expect(s.submitJob({ runsOn: "private-set", repository: "acme/secret" }).scaleSetId).toBe(priv.id);
    expect(s.submitJob({ runsOn: "private-set", repository: "acme/oss", public: true })).toMatchObject({ state: "queued" });
    const open = await set("open-set", 3, ["open-set", "linux"]);
    // The public repository's job for "linux" can only go to the group that admits public repositories.
    for (let i = 0; i < 10; i++) expect(s.submitJob({ runsOn: "linux", repository: "acme/oss", public: true }).scaleSetId).toBe(open.id);
  });

  it("restricted_to_workflows: only the selected workflows (a ref is required; @main and @refs/heads/main are one)", async () => {
    const { s, set } = await start([
      { id: 2, name: "deploy", isDefaultGroup: false, restrictedToWorkflows: true, selectedWorkflows: ["acme/shared/.github/workflows/deploy.yml@main"] },
      // selected_workflows without restricted_to_workflows is ignored (GitHub's field description).
      { id: 3, name: "loose", isDefaultGroup: false, restrictedToWorkflows: false, selectedWorkflows: ["acme/shared/.github/workflows/deploy.yml@main"] },
    ]);
    const deploy = await set("deploy-set", 2);
    const loose = await set("loose-set", 3);
    expect(s.submitJob({ runsOn: "deploy-set", repository: "acme/api", workflowRef: "acme/shared/.github/workflows/deploy.yml@refs/heads/main" }).scaleSetId).toBe(deploy.id);
    expect(s.submitJob({ runsOn: "deploy-set", repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main" })).toMatchObject({ state: "queued" });
    expect(s.submitJob({ runsOn: "deploy-set", repository: "acme/api", workflowRef: "acme/shared/.github/workflows/deploy.yml@refs/heads/dev" })).toMatchObject({ state: "queued" });
    expect(s.submitJob({ runsOn: "loose-set", repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main" }).scaleSetId).toBe(loose.id);
  });

  it("a job held back by no set waits, and is offered when a set it may use is created", async () => {
    const { s, set } = await start([
      { id: 2, name: "api-only", isDefaultGroup: false, visibility: "selected", selectedRepositories: ["acme/api"] },
      { id: 3, name: "web-only", isDefaultGroup: false, visibility: "selected", selectedRepositories: ["acme/web"] },
    ]);
    await set("api-set", 2, ["api-set", "linux"]);
    const job = s.submitJob({ runsOn: "linux", repository: "acme/web" });
    expect(job.state).toBe("queued");
    const web = await set("web-set", 3, ["web-set", "linux"]);
    expect(job).toMatchObject({ state: "available", scaleSetId: web.id });
  });
});

describe("GHES: extra labels without custom scale-set labels (actions/scaleset README: 3.18+ with the flag, on from 3.21)", () => {
  const table: [string, { version: string; customLabelsFlag?: boolean } | undefined, boolean][] = [
    ["github.com", undefined, true],
    ["GHES 3.17 (flag set, but it came in 3.18)", { version: "3.17", customLabelsFlag: true }, false],
    ["GHES 3.18 without the flag", { version: "3.18" }, false],
    ["GHES 3.18 with the flag", { version: "3.18", customLabelsFlag: true }, true],
    ["GHES 3.20 without the flag", { version: "3.20" }, false],
    ["GHES 3.20 with the flag", { version: "3.20", customLabelsFlag: true }, true],
    ["GHES 3.21 without the flag", { version: "3.21" }, true],
    ["GHES 3.22", { version: "3.22" }, true],
  ];
  it.each(table)("%s: extra labels kept = %s", async (_name, ghes, kept) => {
    const { s, set } = await start([{ id: 1, name: "Default", isDefaultGroup: true }], ghes ? { ghes } : {});
    const made = await set("arm-pool", 1, ["arm-pool", "self-hosted", "linux", "ARM64"]);
    // Dropped silently: the set is created, and shows only its name.
    expect(made.labels.map((l) => l.name)).toEqual(kept ? ["arm-pool", "self-hosted", "linux", "ARM64"] : ["arm-pool"]);
    expect(s.submitJob({ runsOn: "arm-pool" }).scaleSetId).toBe(made.id);
    const byLabels = s.submitJob({ runsOn: ["self-hosted", "linux", "ARM64"] });
    expect(byLabels.scaleSetId).toBe(kept ? made.id : undefined);
  });
});

describe("two sets that both match: either may get the job, and exactly one does", () => {
  async function drain(session: MessageSession): Promise<number[]> {
    const offered: number[] = [];
    let last = 0;
    for (;;) {
      const m = await session.getMessage(last, 10, 200);
      if (!m) return offered;
      offered.push(...m.jobAvailable.map((j) => j.runnerRequestId));
      await session.deleteMessage(m.messageId);
      last = m.messageId;
    }
  }

  async function twoWays(a: RunnerScaleSet, b: RunnerScaleSet, submit: () => number, sessions: [MessageSession, MessageSession]) {
    const ids = Array.from({ length: 60 }, submit);
    const jobs = s!.jobs().filter((j) => ids.includes(j.requestId));
    // Both outcomes happen (a chance of 2 × 2^-60 to see only one), and nothing else does.
    expect(new Set(jobs.map((j) => j.scaleSetId))).toEqual(new Set([a.id, b.id]));
    const [toA, toB] = [await drain(sessions[0]), await drain(sessions[1])];
    // Each job offered to exactly one set: the two sets' offers are disjoint and cover every job.
    expect([...toA, ...toB].sort()).toEqual([...ids].sort());
    expect(toA.filter((id) => toB.includes(id))).toEqual([]);
    expect(toA.sort()).toEqual(jobs.filter((j) => j.scaleSetId === a.id).map((j) => j.requestId).sort());
    // And only the set it was offered to can acquire it.
    const one = toA[0]!;
    expect(await sessions[1].acquireJobs([one])).toEqual([]);
    expect(await sessions[0].acquireJobs([one])).toEqual([one]);
  }

  it("two sets of one organisation with the same labels", async () => {
    const { c, set } = await start([{ id: 1, name: "Default", isDefaultGroup: true }]);
    const a = await set("pool-a", 1, ["pool-a", "self-hosted", "linux", "X64"]);
    const b = await set("pool-b", 1, ["pool-b", "self-hosted", "linux", "X64"]);
    const sessions: [MessageSession, MessageSession] = [await c.openSession(a.id, "a"), await c.openSession(b.id, "b")];
    await twoWays(a, b, () => s!.submitJob({ runsOn: ["self-hosted", "linux"] }).requestId, sessions);
    for (const x of sessions) await x.close();
  });

  it("a repository's set and its organisation's set", async () => {
    const { c } = await start([{ id: 1, name: "Default", isDefaultGroup: true }], { scopes: ["acme", "acme/api"] });
    const repo = createScaleSetClient(s!.configUrl("acme/api"), `${s!.url}/api/v3`, { kind: "token", token: PAT }, { http: { sleep: async () => {} } });
    const a = await c.createRunnerScaleSet({ name: "org-pool", runnerGroupId: 1, labels: [{ type: "System", name: "org-pool" }, { type: "System", name: "gpu" }] });
    const b = await repo.createRunnerScaleSet({ name: "repo-pool", runnerGroupId: 1, labels: [{ type: "System", name: "repo-pool" }, { type: "System", name: "gpu" }] });
    const sessions: [MessageSession, MessageSession] = [await c.openSession(a.id, "a"), await repo.openSession(b.id, "b")];
    await twoWays(a, b, () => s!.submitJob({ runsOn: "gpu", repository: "acme/api" }).requestId, sessions);
    // Another repository of the organisation reaches the organisation's set only.
    for (let i = 0; i < 10; i++) expect(s!.submitJob({ runsOn: "gpu", repository: "acme/web" }).scaleSetId).toBe(a.id);
    for (const x of sessions) await x.close();
  });
});
