import { afterEach, describe, expect, it } from "vitest";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { appJwtClaimsProblem } from "../standins/app-jwt";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";

/**
 * The stand-in refuses what the service refuses: a fake that accepts a wrong request proves
 * nothing. Raw requests, each one thing wrong, against the reference client's shapes.
 */

const PAT = "ghp_standinstrictstandinstrict0123";
let s: ScaleSetStandin;

afterEach(async () => {
  await s.close();
});

async function admin(): Promise<{ token: string; base: string }> {
  const reg = await fetch(`${s.url}/api/v3/orgs/acme/actions/runners/registration-token`, { method: "POST", headers: { Authorization: `Bearer ${PAT}` } });
  const { token: regToken } = (await reg.json()) as { token: string };
  const conn = await fetch(`${s.url}/api/v3/actions/runner-registration`, { method: "POST", headers: { Authorization: `RemoteAuth ${regToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ url: s.orgUrl("acme"), runner_event: "register" }) });
  const { url, token } = (await conn.json()) as { url: string; token: string };
  return { token, base: url };
}

describe("scale-set stand-in strictness", () => {
  it("the admin connection needs RemoteAuth with a registration token and {url, runner_event: register}", async () => {
    s = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT] });
    const reg = await fetch(`${s.url}/api/v3/orgs/acme/actions/runners/registration-token`, { method: "POST", headers: { Authorization: `Bearer ${PAT}` } });
    expect(reg.status).toBe(201);
    const { token } = (await reg.json()) as { token: string };
    const post = (auth: string, body: unknown) => fetch(`${s.url}/api/v3/actions/runner-registration`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await post(`Bearer ${token}`, { url: s.orgUrl("acme"), runner_event: "register" })).status).toBe(401);
    expect((await post(`RemoteAuth ${PAT}`, { url: s.orgUrl("acme"), runner_event: "register" })).status).toBe(401);
    expect((await post(`RemoteAuth ${token}`, { url: s.orgUrl("acme") })).status).toBe(400);
    // A config URL of no declared scope is unknown (scaleset-scopes.test.ts holds the rest of scope).
    expect((await post(`RemoteAuth ${token}`, { url: s.orgUrl("initech"), runner_event: "register" })).status).toBe(404);
    expect((await post(`RemoteAuth ${token}`, { url: s.orgUrl("acme"), runner_event: "register" })).status).toBe(201);
    expect((await fetch(`${s.url}/api/v3/orgs/acme/actions/runners/registration-token`, { method: "POST", headers: { Authorization: "Bearer nope" } })).status).toBe(401);
  });

  it("the service needs the admin JWT and api-version=6.0-preview; the queue needs its own token, Accept and max capacity", async () => {
    s = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 50 });
    const { token, base } = await admin();
    const groups = (q: string, auth: string) => fetch(`${base}_apis/runtime/runnergroups/?groupName=Default${q}`, { headers: { Authorization: auth } });
    expect((await groups("&api-version=6.0-preview", `Bearer ${token}`)).status).toBe(200);
    expect((await groups("", `Bearer ${token}`)).status).toBe(400);
    expect((await groups("&api-version=6.0-preview", `Bearer ${PAT}`)).status).toBe(401);
    expect((await groups("&api-version=6.0-preview", `RemoteAuth ${token}`)).status).toBe(401);

    const c = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "token", token: PAT });
    const set = await c.createRunnerScaleSet({ name: "p", runnerGroupId: 1, labels: [{ type: "User", name: "p" }] });
    const session = await c.openSession(set.id, "o");
    const q = session.session.messageQueueUrl;
    const qt = session.session.messageQueueAccessToken;
    const get = (h: Record<string, string>) => fetch(q, { headers: h });
    expect((await get({ Authorization: `Bearer ${qt}`, Accept: "application/json; api-version=6.0-preview", "X-ScaleSetMaxCapacity": "2" })).status).toBe(202);
    expect((await get({ Authorization: `Bearer ${token}`, Accept: "application/json; api-version=6.0-preview", "X-ScaleSetMaxCapacity": "2" })).status).toBe(401);
    expect((await get({ Authorization: `Bearer ${qt}`, Accept: "application/json", "X-ScaleSetMaxCapacity": "2" })).status).toBe(400);
    expect((await get({ Authorization: `Bearer ${qt}`, Accept: "application/json; api-version=6.0-preview" })).status).toBe(400);
    // acquirejobs takes the queue token, not the admin token, and a JSON array of ids.
    const acquire = (auth: string, body: string) => fetch(`${base}_apis/runtime/runnerscalesets/${set.id}/acquirejobs?api-version=6.0-preview`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body });
    expect((await acquire(`Bearer ${token}`, "[1]")).status).toBe(401);
    expect((await acquire(`Bearer ${qt}`, '{"ids":[1]}')).status).toBe(400);
    expect((await acquire(`Bearer ${qt}`, "[1]")).status).toBe(200);
  });

  it("keeps the statistics consistent with the jobs a test drives, and ephemeral runners leave after their job", async () => {
    s = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 50 });
    const c = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "token", token: PAT });
    const set = await c.createRunnerScaleSet({ name: "p", runnerGroupId: 1, labels: [{ type: "User", name: "p" }] });
    const a = s.submitJob({ runsOn: "p" });
    const b = s.submitJob({ runsOn: ["P"] });
    expect(s.statistics(set.id)).toMatchObject({ totalAvailableJobs: 2, totalAssignedJobs: 0 });
    const session = await c.openSession(set.id, "o");
    await session.acquireJobs([a.requestId, b.requestId]);
    const jit = await c.generateJitRunnerConfig(set.id, { name: "r1", workFolder: "_work" });
    expect(s.statistics(set.id)).toMatchObject({ totalAvailableJobs: 0, totalAcquiredJobs: 2, totalAssignedJobs: 2, totalRegisteredRunners: 1, totalIdleRunners: 1 });
    s.startJob(a.requestId, "r1");
    expect(s.statistics(set.id)).toMatchObject({ totalRunningJobs: 1, totalBusyRunners: 1, totalIdleRunners: 0, totalAssignedJobs: 2 });
    // A busy runner cannot be removed (JobStillRunningException).
    await expect(c.removeRunner(jit.runner.id)).rejects.toMatchObject({ status: 400 });
    expect(() => s.startJob(b.requestId, "r1")).toThrow(/cannot start/);
    s.completeJob(a.requestId);
    expect(s.statistics(set.id)).toMatchObject({ totalRunningJobs: 0, totalAssignedJobs: 1, totalRegisteredRunners: 0 });
    expect(await c.getRunner(jit.runner.id)).toBeUndefined();
  });
});

describe("the scale-set stand-in's App JWT time rules (GitHub's, as the REST stand-in applies them)", () => {
  const now = 1_800_000_000;
  it("takes what @octokit/auth-app sends (iat 30 s back, exp 10 minutes after iat) and refuses the rest", () => {
    expect(appJwtClaimsProblem({ iat: now - 30, exp: now - 30 + 600 }, now)).toBeUndefined();
    expect(appJwtClaimsProblem({ exp: now + 300 }, now)).toMatch(/'iat'/);
    expect(appJwtClaimsProblem({ iat: now, exp: now + 601 }, now)).toMatch(/too far in the future/);
    // iat within the skew allowance, exp − iat = 600, but exp more than 10 minutes ahead of GitHub's clock.
    expect(appJwtClaimsProblem({ iat: now + 30, exp: now + 630 }, now)).toMatch(/too far in the future/);
    expect(appJwtClaimsProblem({ iat: now - 700, exp: now - 100 }, now)).toMatch(/'exp'/);
    expect(appJwtClaimsProblem({ iat: now + 120, exp: now + 500 }, now)).toMatch(/'iat'/);
    expect(appJwtClaimsProblem({ iat: String(now), exp: now + 300 }, now)).toMatch(/'iat'/);
  });
});
