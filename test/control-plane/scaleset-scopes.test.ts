import { createSign, generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { startScaleSetStandin, type ScaleSetStandin, type ScaleSetStandinOptions } from "../standins/scaleset-server";
import { simulate } from "../standins/scaleset-sim";
import { pool } from "./fleet";

/**
 * The scale-set stand-in keeps one world per scope (enterprise, organisation, repository), as the
 * service does: each test here is one thing that must not cross scopes, done through raw requests
 * or the real client, with the same call in the right scope succeeding beside it, so a stand-in
 * that ignored scope would fail the test.
 */

const PAT = "ghp_scopesscopesscopesscopes012345";
const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };
let s: ScaleSetStandin | undefined;

afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function start(o: Partial<ScaleSetStandinOptions> = {}): Promise<ScaleSetStandin> {
  s = await startScaleSetStandin({ scopes: ["acme", "globex"], githubTokens: [PAT], pollMs: 50, ...o });
  return s;
}
const client = (st: ScaleSetStandin, path: string, token = PAT) => createScaleSetClient(st.configUrl(path), `${st.url}/api/v3`, { kind: "token", token }, { http: { sleep: async () => {}, retryMax: 0 } });

async function registrationToken(st: ScaleSetStandin, route: string, bearer = PAT): Promise<Response> {
  return fetch(`${st.url}/api/v3/${route}/actions/runners/registration-token`, { method: "POST", headers: { Authorization: `Bearer ${bearer}` } });
}
async function exchange(st: ScaleSetStandin, regToken: string, configUrl: string): Promise<Response> {
  return fetch(`${st.url}/api/v3/actions/runner-registration`, { method: "POST", headers: { Authorization: `RemoteAuth ${regToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ url: configUrl, runner_event: "register" }) });
}
async function adminOf(st: ScaleSetStandin, path: string): Promise<{ url: string; token: string }> {
  const reg = (await (await registrationToken(st, `orgs/${path}`)).json()) as { token: string };
  const res = await exchange(st, reg.token, st.configUrl(path));
  expect(res.status).toBe(201);
  return (await res.json()) as { url: string; token: string };
}

describe("config URLs are always checked", () => {
  it("an undeclared organisation has no registration token and no admin connection (404, as GitHub answers)", async () => {
    const st = await start();
    expect((await registrationToken(st, "orgs/acme")).status).toBe(201);
    const ghost = await registrationToken(st, "orgs/initech");
    expect(ghost.status).toBe(404);
    const reg = (await (await registrationToken(st, "orgs/acme")).json()) as { token: string };
    for (const url of [st.configUrl("initech"), "https://ghes.example.com/acme", st.configUrl("acme/widgets/extra"), st.configUrl("acme/widgets")]) {
      const res = await exchange(st, reg.token, url);
      expect({ url, status: res.status, body: await res.json() }).toEqual({ url, status: 404, body: NOT_FOUND });
    }
    expect((await exchange(st, reg.token, st.configUrl("acme"))).status).toBe(201);
    // Slashes are trimmed as config.go trims them; a ".git" suffix names another repository
    // (removing it is the known fix for config.sh's NotFound: myoung34/docker-github-actions-runner#377).
    expect((await exchange(st, reg.token, `${st.configUrl("acme")}/`)).status).toBe(201);
    await st.close();
    const repo = await start({ scopes: ["acme/widgets"] });
    const repoReg = (await (await registrationToken(repo, "repos/acme/widgets")).json()) as { token: string };
    expect((await exchange(repo, repoReg.token, `${repo.configUrl("acme/widgets")}.git`)).status).toBe(404);
    expect((await exchange(repo, repoReg.token, repo.configUrl("Acme/Widgets"))).status).toBe(201);
    // The real client on an undeclared URL fails, saying where.
    await expect(client(repo, "initech").getRunnerGroupByName("default")).rejects.toMatchObject({ status: 404 });
  });

  it("github.com and www.github.com are one instance; a GHES serves its own host only", async () => {
    const st = await start({ scopes: ["https://www.github.com/Acme"] });
    expect(st.configUrl("acme")).toBe("https://github.com/acme");
    expect((await client(st, "acme").getRunnerGroupByName("default")).id).toBe(1);
    await st.close();
    const ghes = await start({ scopes: ["acme"], ghes: { version: "3.21" } });
    expect(ghes.configUrl("acme")).toBe(`${ghes.url}/acme`);
    expect((await client(ghes, "acme").getRunnerGroupByName("default")).id).toBe(1);
    const reg = (await (await registrationToken(ghes, "orgs/acme")).json()) as { token: string };
    expect((await exchange(ghes, reg.token, "https://github.com/acme")).status).toBe(404);
    await ghes.close();
    await expect(start({ scopes: ["https://github.com/acme"], ghes: { version: "3.21" } })).rejects.toThrow(/not on http:\/\/127\.0\.0\.1/);
    s = undefined;
    await expect(start({ scopes: ["acme/widgets/more"] })).rejects.toThrow(/invalid config URL/);
    s = undefined;
  });
});

describe("tokens are bound to the scope they were issued for", () => {
  it("a registration token for org A is refused for org B's config URL (404 Not Found), and works for A", async () => {
    const st = await start();
    const reg = (await (await registrationToken(st, "orgs/acme")).json()) as { token: string };
    const res = await exchange(st, reg.token, st.configUrl("globex"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(NOT_FOUND);
    expect((await exchange(st, reg.token, st.configUrl("acme"))).status).toBe(201);
  });

  it("an admin token of org A is refused on org B's tenant (401), and A's tenant is not B's", async () => {
    const st = await start();
    const a = await adminOf(st, "acme");
    const b = await adminOf(st, "globex");
    expect(a.url).not.toBe(b.url);
    const groups = (tenant: string, token: string) => fetch(`${tenant}_apis/runtime/runnergroups/?groupName=Default&api-version=6.0-preview`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await groups(a.url, a.token)).status).toBe(200);
    expect((await groups(b.url, b.token)).status).toBe(200);
    const crossed = await groups(b.url, a.token);
    expect(crossed.status).toBe(401);
    expect(await crossed.json()).toMatchObject({ typeName: "VssUnauthorizedException" });
  });

  it("an App installation token works on its own account only, with the permission GitHub's reference names", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const st = await start({
      scopes: ["acme", "globex", "acme/widgets", "acme/secret", { url: "enterprises/megacorp", organizations: ["acme"] }],
      githubTokens: [],
      apps: [{ appId: "9", installationId: "90", account: "acme", repositories: ["widgets"], publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() }],
    });
    const tokenRes = await fetch(`${st.url}/api/v3/app/installations/90/access_tokens`, { method: "POST", headers: { Authorization: `Bearer ${appJwt(pem, "9", { iat: now() - 30, exp: now() + 540 })}` } });
    expect(tokenRes.status).toBe(201);
    const { token } = (await tokenRes.json()) as { token: string };
    const answer = async (route: string) => {
      const r = await registrationToken(st, route, token);
      return [r.status, ((await r.json()) as { message?: string }).message ?? "token"];
    };
    expect(await answer("orgs/acme")).toEqual([201, "token"]);
    expect(await answer("orgs/globex")).toEqual([404, "Not Found"]);
    // Repository runners need the administration permission, which this installation lacks.
    expect(await answer("repos/acme/widgets")).toEqual([403, "Resource not accessible by integration"]);
    // A repository outside the installation's selection is not visible at all.
    expect(await answer("repos/acme/secret")).toEqual([404, "Not Found"]);
    expect(await answer("enterprises/megacorp")).toEqual([403, "Resource not accessible by integration"]);
  });
});

describe("the App JWT's times, over HTTP (the REST stand-in's rules: test/standins/app-jwt.ts)", () => {
  it("takes a JWT of 9 minutes with iat in the past, refuses exp − iat over 600 s and a missing iat", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const st = await start({ githubTokens: [], apps: [{ appId: "9", installationId: "90", account: "acme", publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() }] });
    const ask = async (claims: Record<string, number>) => {
      const r = await fetch(`${st.url}/api/v3/app/installations/90/access_tokens`, { method: "POST", headers: { Authorization: `Bearer ${appJwt(pem, "9", claims)}` } });
      return [r.status, ((await r.json()) as { message?: string }).message ?? ""];
    };
    const t = now();
    expect((await ask({ iat: t - 30, exp: t + 540 }))[0]).toBe(201);
    expect(await ask({ iat: t - 30, exp: t + 571 })).toEqual([401, "'Expiration time' claim ('exp') is too far in the future"]);
    expect(await ask({ exp: t + 300 })).toEqual([401, expect.stringMatching(/'Issued at' claim \('iat'\)/)]);
    expect(await ask({ iat: t + 120, exp: t + 500 })).toEqual([401, expect.stringMatching(/'iat'.*in the past/)]);
    expect(await ask({ iat: t - 700, exp: t - 100 })).toEqual([401, expect.stringMatching(/'exp'/)]);
  });
});

describe("lookups never cross scopes", () => {
  it("a name or id lookup in org B finds nothing of org A's, and B may use the same names", async () => {
    const st = await start();
    const a = client(st, "acme");
    const b = client(st, "globex");
    const set = await a.createRunnerScaleSet({ name: "linux", runnerGroupId: 1, labels: [{ type: "System", name: "linux" }] });
    expect((await a.getRunnerScaleSet(1, "linux"))?.id).toBe(set.id);
    expect(await b.getRunnerScaleSet(1, "linux")).toBeUndefined();
    expect(await b.getRunnerScaleSetById(set.id)).toBeUndefined();
    await expect(b.deleteRunnerScaleSet(set.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.openSession(set.id, "thief")).rejects.toMatchObject({ status: 404 });

    const jit = await a.generateJitRunnerConfig(set.id, { name: "r1", workFolder: "_work" });
    expect(await b.getRunnerByName("r1")).toBeUndefined();
    expect(await b.getRunner(jit.runner.id)).toBeUndefined();
    await expect(b.removeRunner(jit.runner.id)).rejects.toMatchObject({ status: 404 });
    expect((await a.getRunner(jit.runner.id))?.name).toBe("r1");

    // The same names are free in B; the JIT config names each scope's own tenant.
    const setB = await b.createRunnerScaleSet({ name: "linux", runnerGroupId: 1, labels: [{ type: "System", name: "linux" }] });
    const jitB = await b.generateJitRunnerConfig(setB.id, { name: "r1", workFolder: "_work" });
    const serverUrl = (encoded: string) => {
      const files = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Record<string, string>;
      return (JSON.parse(Buffer.from(files[".runner"]!, "base64url").toString("utf8")) as { serverUrl: string }).serverUrl;
    };
    expect(serverUrl(jit.encodedJITConfig)).not.toBe(serverUrl(jitB.encodedJITConfig));
    expect(st.scaleSets("acme").map((x) => x.id)).toEqual([set.id]);
    expect(st.scaleSets("globex").map((x) => x.id)).toEqual([setB.id]);
  });

  it("a job goes to a set of a scope that covers its repository: organisation, repository, enterprise member", async () => {
    const st = await start({ scopes: ["acme", "globex", "globex/api", { url: "enterprises/megacorp", organizations: ["initech"] }] });
    const mk = (path: string) => client(st, path).createRunnerScaleSet({ name: "linux", runnerGroupId: 1, labels: [{ type: "System", name: "linux" }] });
    const acme = await mk("acme");
    const repo = await mk("globex/api");
    const ent = await mk("enterprises/megacorp");
    expect(st.submitJob({ runsOn: "linux", repository: "acme/widgets" }).scaleSetId).toBe(acme.id);
    expect(st.submitJob({ runsOn: "linux", repository: "globex/api" }).scaleSetId).toBe(repo.id);
    // No set of globex itself, and globex/web is not the repository set's repository.
    expect(st.submitJob({ runsOn: "linux", repository: "globex/web" })).toMatchObject({ state: "queued", scaleSetId: undefined });
    expect(st.submitJob({ runsOn: "linux", repository: "initech/tps" }).scaleSetId).toBe(ent.id);
    expect(st.submitJob({ runsOn: "linux", repository: "umbrella/x" })).toMatchObject({ state: "queued", scaleSetId: undefined });
  });
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** An RS256 App JWT with exactly the given claims (iss = app id). */
function appJwt(pem: string, appId: string, claims: Record<string, number>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = enc({ alg: "RS256", typ: "JWT" });
  const body = enc({ ...claims, iss: appId });
  const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(pem).toString("base64url");
  return `${head}.${body}.${sig}`;
}

describe("the fake-clock world (scaleset-sim.ts) serves one scope too", () => {
  const job = (repository?: string) => ({ arrive: 10_000, duration: 60_000, runsOn: ["sim-set"], ...(repository ? { repository } : {}) });
  const p = pool("sim", { githubUrl: "https://github.com/my-org", runnersPerHost: 2, minHosts: 0, maxHosts: 4 });
  const run = (scope: string, jobs: ReturnType<typeof job>[], at = p) => simulate({ scope, pool: at, jobs, bootMs: 20_000, idleLeaveMs: 5 * 60_000, endMs: 6 * 60_000 });

  it("a pool whose config URL names another organisation gets no client; jobs from outside the scope are never offered", async () => {
    const own = await run("https://github.com/my-org", [job(), job("my-org/api"), job("globex/api")]);
    expect(own.violations).toEqual([]);
    expect(own.jobs.map((j) => j.state === "queued")).toEqual([false, false, true]);
    const other = await run("https://github.com/my-org", [job()], { ...p, githubUrl: "https://github.com/globex" });
    expect(other.violations[0]).toMatch(/pool sim asked for https:\/\/github\.com\/globex, not the scope/);
    expect(other.jobs[0]!.started).toBeUndefined();
  });
});
