import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { handleRegistration, registrationInput, type RegistrationDeps } from "../../control-plane/registration/handler";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { pool } from "./fleet";

/** Registration (aws.lambda.Invocation, lifecycle CRUD) against the scale-set stand-in. */

const PAT = "ghp_registrationregistration01234";
let standin: ScaleSetStandin;

beforeEach(async () => {
  standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], runnerGroups: [{ id: 1, name: "Default", isDefaultGroup: true }, { id: 3, name: "gpu-team", isDefaultGroup: false }] });
});
afterEach(async () => {
  await standin.close();
});

function setUp(pools: ControlPlanePool[]): { deps: RegistrationDeps; pools: ControlPlanePool[] } {
  const ps = pools.map((p) => ({ ...p, githubUrl: standin.orgUrl("acme") }));
  const config: ControlPlaneConfig = { v: 1, fleet: "t", region: "eu-west-1", credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x", bucket: "b", githubApiUrl: `${standin.url}/api/v3`, pools: ps, jobWaitAlarmSeconds: 300 };
  const client = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT }, { http: { sleep: async () => {} } });
  return { deps: { config, adminFor: () => client }, pools: ps };
}

const crud = (pools: ControlPlanePool[], action: "create" | "update" | "delete", prev: ControlPlanePool[] | null) => ({
  ...registrationInput(pools),
  tf: { action, prev_input: prev === null ? null : registrationInput(prev) },
});

describe("registration", () => {
  it("creates each pool's scale set as ARC does (name first, System labels, deduplicated; updates off), idempotently", async () => {
    const { deps, pools } = setUp([pool("a", { labels: ["linux", "x64", "LINUX"] }), pool("b", { runnerGroup: "gpu-team" })]);
    expect(await handleRegistration(crud(pools, "create", null), deps)).toMatchObject({ created: ["a", "b"], deleted: [] });
    const sets = standin.scaleSets();
    expect(sets.find((s) => s.name === "a-set")).toMatchObject({ runnerGroupId: 1, labels: [{ type: "System", name: "a-set" }, { type: "System", name: "linux" }, { type: "System", name: "x64" }], RunnerSetting: { disableUpdate: true } });
    expect(sets.find((s) => s.name === "b-set")).toMatchObject({ runnerGroupId: 3, labels: [{ type: "System", name: "b-set" }] });
    const writes = () => standin.requests.filter((r) => r.method !== "GET" && r.path.includes("runnerscalesets")).length;
    const before = writes();
    // A replayed create, or an update with nothing changed, writes nothing.
    expect(await handleRegistration(crud(pools, "create", null), deps)).toMatchObject({ created: [], unchanged: ["a", "b"] });
    expect(await handleRegistration(crud(pools, "update", pools), deps)).toMatchObject({ unchanged: ["a", "b"], deleted: [] });
    expect(writes()).toBe(before);
  });

  it("re-creates a set whose labels changed (never a PATCH: GitHub fixes labels at creation), deletes removed pools' sets, and a rename replaces the set", async () => {
    const first = setUp([pool("a"), pool("b"), pool("c")]);
    await handleRegistration(crud(first.pools, "create", null), first.deps);
    const oldId = standin.scaleSets().find((s) => s.name === "a-set")!.id;
    const next = setUp([pool("a", { labels: ["big"] }), pool("c", { scaleSetName: "c-renamed" })]);
    const res = await handleRegistration(crud(next.pools, "update", first.pools), next.deps);
    expect(res).toMatchObject({ recreated: ["a"], updated: [], created: ["c"], deleted: ["b", "c"] });
    expect(standin.scaleSets().map((s) => s.name).sort()).toEqual(["a-set", "c-renamed"]);
    const a = standin.scaleSets().find((s) => s.name === "a-set")!;
    expect(a.id).not.toBe(oldId);
    expect(a.labels).toEqual([{ type: "System", name: "a-set" }, { type: "System", name: "big" }]);
    expect(standin.requests.some((r) => r.method === "PATCH" && r.path.includes("runnerscalesets"))).toBe(false);
    // The new labels route: a job asking for them reaches the new set.
    expect(standin.submitJob({ runsOn: ["big", "A-SET"] }).scaleSetId).toBe(a.id);
  });

  it("a label change while a runner is busy fails the deploy saying what to do, and deletes nothing", async () => {
    const first = setUp([pool("a", { labels: ["linux"] })]);
    await handleRegistration(crud(first.pools, "create", null), first.deps);
    const set = standin.scaleSets()[0]!;
    const client = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const job = standin.submitJob({ runsOn: "linux" });
    const session = await client.openSession(set.id, "listener");
    await session.acquireJobs([job.requestId]);
    await client.generateJitRunnerConfig(set.id, { name: "r1", workFolder: "_work" });
    standin.startJob(job.requestId, "r1");
    const next = setUp([pool("a", { labels: ["linux", "big"] })]);
    const e = await handleRegistration(crud(next.pools, "update", first.pools), next.deps).catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/pool a \(scale set "a-set".*labels change: \[a-set, linux\] -> \[a-set, linux, big\].*1 runner\(s\) of it are busy.*Nothing was deleted.*run `pulumi up` again/s);
    expect(standin.scaleSets().map((s) => [s.id, s.labels.length])).toEqual([[set.id, 2]]);
    // Once the job is done the same deploy goes through.
    standin.completeJob(job.requestId);
    await session.close();
    expect(await handleRegistration(crud(next.pools, "update", first.pools), next.deps)).toMatchObject({ recreated: ["a"] });
  });

  it("a runner-group change deletes the set in the old group, then creates it in the new one", async () => {
    const first = setUp([pool("a")]);
    await handleRegistration(crud(first.pools, "create", null), first.deps);
    const next = setUp([pool("a", { runnerGroup: "gpu-team" })]);
    expect(await handleRegistration(crud(next.pools, "update", first.pools), next.deps)).toMatchObject({ recreated: ["a"], created: [], deleted: [] });
    expect(standin.scaleSets().map((s) => [s.name, s.runnerGroupId])).toEqual([["a-set", 3]]);
  });

  it("fails the deploy when GitHub drops the extra labels (GHES 3.20 without the flag), naming them and the fix", async () => {
    await standin.close();
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], ghes: { version: "3.20" } });
    const { deps, pools } = setUp([pool("a", { labels: ["self-hosted", "linux", "ARM64"] })]);
    await expect(handleRegistration(crud(pools, "create", null), deps)).rejects.toThrow(/without the labels \[self-hosted, linux, ARM64\].*AllowRunnerScaleSetCustomLabels/s);
    await standin.close();
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], ghes: { version: "3.20", customLabelsFlag: true } });
    const again = setUp([pool("a", { labels: ["self-hosted", "linux", "ARM64"] })]);
    expect(await handleRegistration(crud(again.pools, "create", null), again.deps)).toMatchObject({ created: ["a"] });
  });

  it("delete removes every scale set, and a second delete finds nothing to do", async () => {
    const { deps, pools } = setUp([pool("a"), pool("b")]);
    await handleRegistration(crud(pools, "create", null), deps);
    expect(await handleRegistration(crud(pools, "delete", pools), deps)).toMatchObject({ deleted: ["a", "b"] });
    expect(standin.scaleSets()).toEqual([]);
    expect(await handleRegistration(crud(pools, "delete", pools), deps)).toMatchObject({ deleted: [] });
  });

  it("fails readably: which pool, which scale set and runner group, what GitHub said; the other pools still done", async () => {
    const { deps, pools } = setUp([pool("nogroup", { runnerGroup: "missing" }), pool("broken"), pool("ok")]);
    // Five 500s: the client's first try and its four retries, all for pool "broken".
    standin.failNext(/POST \/tenant\/\d+\/_apis\/runtime\/runnerscalesets$/, 500, 5);
    const p = handleRegistration(crud(pools, "create", null), deps);
    await expect(p).rejects.toThrow(/scale-set registration failed for 2 pool\(s\)/);
    expect(standin.scaleSets().map((s) => s.name)).toEqual(["ok-set"]);
    const message = await p.catch((e: Error) => e.message);
    expect(message).toMatch(/pool nogroup \(scale set "nogroup-set" in https:\/\/github\.com\/acme, runner group "missing"\): GitHub answered 200 \(not-found\): no runner group found with name "missing"/);
    expect(message).toMatch(/pool broken .*GitHub answered 500 \(server\)/);
    expect(message).not.toContain(PAT);
  });

  it("refuses an event that is not a CRUD invocation, naming what is wrong", async () => {
    const { deps, pools } = setUp([pool("a")]);
    await expect(handleRegistration({ ...registrationInput(pools) }, deps)).rejects.toThrow(/tf: /);
    await expect(handleRegistration({ action: "register", pools: [{ name: "a" }], tf: { action: "create", prev_input: null } }, deps)).rejects.toThrow(/pools\.0\.scaleSetName/);
    await expect(handleRegistration({ ...crud(pools, "create", null), tf: { action: "replace", prev_input: null } }, deps)).rejects.toThrow(/tf\.action/);
  });

  it("refuses a pool the function's config does not know", async () => {
    const { deps } = setUp([pool("a")]);
    await expect(handleRegistration(crud([pool("ghost", { githubUrl: standin.orgUrl("acme") })], "create", null), deps)).rejects.toThrow(/pool ghost: not in the control plane's config/);
  });
});
