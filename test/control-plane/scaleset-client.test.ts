import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ScaleSetError } from "../../control-plane/scaleset/api";
import { HttpScaleSetClient } from "../../control-plane/scaleset/client";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { parseGithubConfig } from "../../control-plane/scaleset/github-config";
import { startScaleSetStandin, type ScaleSetStandin, type ScaleSetStandinOptions } from "../standins/scaleset-server";

/**
 * The scale-set client against the stand-in, which checks what actions/scaleset 0.4.0's client
 * sends (auth schemes, api-version, bodies) and answers with its status codes.
 */

const PAT = "ghp_standinstandinstandin0123456789";
let standin: ScaleSetStandin | undefined;

async function setup(opts: Partial<ScaleSetStandinOptions> = {}, client: { now?: () => number } = {}) {
  standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 150, ...opts });
  const waits: number[] = [];
  const c = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT }, {
    http: { sleep: async (ms) => void waits.push(ms) },
    ...client,
  });
  return { s: standin, c, waits };
}

afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

async function caught(p: Promise<unknown>): Promise<ScaleSetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ScaleSetError) return e;
    throw e;
  }
  throw new Error("expected a ScaleSetError");
}

describe("config URL", () => {
  it("derives the REST root and scope as the reference's config.go does", () => {
    expect(parseGithubConfig("https://github.com/acme")).toMatchObject({ apiUrl: "https://api.github.com", scope: { kind: "org", org: "acme" } });
    expect(parseGithubConfig("https://github.com/acme/widgets/")).toMatchObject({ scope: { kind: "repo", owner: "acme", repo: "widgets" } });
    expect(parseGithubConfig("https://github.com/enterprises/big")).toMatchObject({ scope: { kind: "enterprise", enterprise: "big" } });
    expect(parseGithubConfig("https://ghe.example.com/acme")).toMatchObject({ apiUrl: "https://ghe.example.com/api/v3" });
    expect(parseGithubConfig("https://acme.ghe.com/acme")).toMatchObject({ apiUrl: "https://api.acme.ghe.com" });
    expect(() => parseGithubConfig("https://github.com/a/b/c")).toThrow(/not an organisation/);
  });
});

describe("scale-set client vs stand-in", () => {
  it("connects (registration token, RemoteAuth, admin JWT) and manages scale sets and runners", async () => {
    const { s, c } = await setup({ bom: true });
    const group = await c.getRunnerGroupByName("default");
    expect(group).toMatchObject({ id: 1, isDefaultGroup: true });
    expect(s.requests.slice(0, 3).map((r) => `${r.method} ${r.path} ${r.auth} ${r.status}`)).toEqual([
      "POST /api/v3/orgs/acme/actions/runners/registration-token Bearer 201",
      "POST /api/v3/actions/runner-registration RemoteAuth 201",
      "GET /tenant/101/_apis/runtime/runnergroups/ Bearer 200",
    ]);
    expect(await c.getRunnerScaleSet(group.id, "linux-x64")).toBeUndefined();
    const set = await c.createRunnerScaleSet({ name: "linux-x64", runnerGroupId: group.id, labels: [{ type: "User", name: "gpu" }], RunnerSetting: { disableUpdate: true } });
    expect(set).toMatchObject({ name: "linux-x64", labels: [{ type: "User", name: "gpu" }], RunnerSetting: { disableUpdate: true } });
    expect((await c.getRunnerScaleSet(group.id, "linux-x64"))?.id).toBe(set.id);
    const updated = await c.updateRunnerScaleSet(set.id, { name: "linux-x64", runnerGroupId: group.id, labels: [{ type: "User", name: "big" }], RunnerSetting: { disableUpdate: true } });
    expect(updated.labels).toEqual([{ type: "User", name: "big" }]);
    expect((await c.getRunnerScaleSetById(set.id))?.statistics).toMatchObject({ totalRegisteredRunners: 0 });

    const jit = await c.generateJitRunnerConfig(set.id, { name: "host-1-0", workFolder: "_work" });
    expect(jit.runner).toMatchObject({ name: "host-1-0", runnerScaleSetId: set.id });
    const files = JSON.parse(Buffer.from(jit.encodedJITConfig, "base64").toString("utf8")) as Record<string, string>;
    expect(Object.keys(files)).toEqual(expect.arrayContaining([".runner", ".credentials"]));
    expect(await c.getRunnerByName("host-1-0")).toEqual(jit.runner);
    expect(await c.getRunner(jit.runner.id)).toEqual(jit.runner);
    expect((await caught(c.generateJitRunnerConfig(set.id, { name: "host-1-0", workFolder: "_work" }))).status).toBe(409);
    await c.removeRunner(jit.runner.id);
    expect(await c.getRunner(jit.runner.id)).toBeUndefined();
    expect((await caught(c.removeRunner(jit.runner.id))).kind).toBe("not-found");

    await c.deleteRunnerScaleSet(set.id);
    expect(await c.getRunnerScaleSetById(set.id)).toBeUndefined();
    expect((await caught(c.generateJitRunnerConfig(set.id, { name: "x", workFolder: "_work" }))).kind).toBe("not-found");
    // One admin connection served every call.
    expect(s.requests.filter((r) => r.path.endsWith("/runner-registration"))).toHaveLength(1);
  });

  it("reports every token it obtains (for the log redactor): registration, admin, queue, refreshed queue", async () => {
    const { s } = await setup();
    const secrets: string[] = [];
    const c = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "token", token: PAT }, { onSecret: (t) => secrets.push(t) });
    const set = await c.createRunnerScaleSet({ name: "r", runnerGroupId: 1, labels: [] });
    expect(secrets).toHaveLength(2);
    expect(secrets[1]!.split(".")).toHaveLength(3);
    const session = await c.openSession(set.id, "o");
    expect(secrets.at(-1)).toBe(session.session.messageQueueAccessToken);
    s.expireQueueToken(set.id);
    await session.getMessage(0, 1);
    expect(secrets).toHaveLength(4);
    expect(secrets.at(-1)).toBe(session.session.messageQueueAccessToken);
  });

  it("refuses an unknown runner group and a bad GitHub token, without the token in the message", async () => {
    const { c, s } = await setup();
    expect((await caught(c.getRunnerGroupByName("nope"))).kind).toBe("not-found");
    const bad = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "token", token: "ghp_wrong_wrong_wrong" }, { http: { sleep: async () => {} } });
    const e = await caught(bad.getRunnerGroupByName("default"));
    expect(e.kind).toBe("unauthorized");
    expect(e.status).toBe(401);
    expect(e.message).toContain("registration-token");
    expect(e.message).not.toContain("ghp_wrong");
  });

  it("authenticates as a GitHub App: installation token from an RS256 app JWT, then the registration token", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const s = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [], apps: [{ appId: "4242", installationId: "77", account: "acme", publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() }] });
    standin = s;
    const c = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "app", appId: "4242", installationId: "77", privateKey: pem }, { http: { sleep: async () => {} } });
    expect(await c.getRunnerGroupByName("default")).toMatchObject({ id: 1 });
    expect(s.requests.slice(0, 2).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["POST /api/v3/app/installations/77/access_tokens 201", "POST /api/v3/orgs/acme/actions/runners/registration-token 201"]);
    // A key GitHub does not know is refused.
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const bad = createScaleSetClient(s.orgUrl("acme"), `${s.url}/api/v3`, { kind: "app", appId: "4242", installationId: "77", privateKey: other }, { http: { sleep: async () => {} } });
    await expect(bad.getRunnerGroupByName("default")).rejects.toThrow();
  });

  it("refreshes the admin token a minute before its exp, and once after a revocation", async () => {
    let now = Date.now();
    const { s, c } = await setup({ adminTokenTtlMs: 10 * 60_000 }, { now: () => now });
    await c.getRunnerGroupByName("default");
    now += 8 * 60_000;
    await c.getRunnerGroupByName("default");
    expect(s.requests.filter((r) => r.path.endsWith("/runner-registration"))).toHaveLength(1);
    now += 90_000; // 30 s before exp: refresh first
    await c.getRunnerGroupByName("default");
    expect(s.requests.filter((r) => r.path.endsWith("/runner-registration"))).toHaveLength(2);
    now = Date.now();
    s.expireAdminToken();
    await c.getRunnerGroupByName("default");
    expect(s.requests.filter((r) => r.path.endsWith("/runner-registration"))).toHaveLength(3);
    expect(s.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it("retries 5xx and 429 with backoff, honouring Retry-After, then reports the last answer", async () => {
    const { s, c, waits } = await setup();
    await c.getRunnerGroupByName("default");
    s.failNext(/runnergroups/, 503, 2);
    await c.getRunnerGroupByName("default");
    expect(waits).toEqual([1000, 2000]);
    s.failNext(/runnergroups/, 429, 1, { "Retry-After": "7" });
    await c.getRunnerGroupByName("default");
    expect(waits).toEqual([1000, 2000, 7000]);
    s.failNext(/runnergroups/, 500, 5);
    expect(await caught(c.getRunnerGroupByName("default"))).toMatchObject({ kind: "server", status: 500 });
    expect(waits.slice(3)).toEqual([1000, 2000, 4000, 8000]);
    // 4xx is not retried.
    s.failNext(/runnergroups/, 400, 1);
    const e = await caught(c.getRunnerGroupByName("default"));
    expect(e).toMatchObject({ kind: "bad-request", status: 400 });
    expect(e.message).toContain("InjectedFailure");
  });
});

describe("message sessions", () => {
  async function withSet() {
    const env = await setup();
    const set = await env.c.createRunnerScaleSet({ name: "pool", runnerGroupId: 1, labels: [{ type: "User", name: "pool" }] });
    return { ...env, set };
  }

  it("one live session per scale set: a second is a session-conflict until the first is closed", async () => {
    const { c, set, s } = await withSet();
    const first = await c.openSession(set.id, "fleet/pool");
    expect(first.session.statistics).toMatchObject({ totalAssignedJobs: 0 });
    expect((await caught(c.openSession(set.id, "other"))).kind).toBe("session-conflict");
    await first.close();
    expect(s.sessions()).toHaveLength(0);
    const second = await c.openSession(set.id, "fleet/pool");
    expect(second.session.ownerName).toBe("fleet/pool");
  });

  it("202 is no message; messages are parsed, redelivered until deleted, and jobs acquired", async () => {
    const { c, set, s } = await withSet();
    const session = await c.openSession(set.id, "fleet/pool");
    expect(await session.getMessage(0, 6)).toBeUndefined();
    expect(s.requests.at(-1)).toMatchObject({ status: 202, maxCapacity: "6", auth: "Bearer" });
    const job = s.submitJob({ runsOn: set.name });
    expect(job.scaleSetId).toBe(set.id);
    const m1 = await session.getMessage(0, 6);
    expect(m1?.jobAvailable.map((j) => j.runnerRequestId)).toEqual([job.requestId]);
    expect(m1?.statistics).toMatchObject({ totalAvailableJobs: 1, totalAssignedJobs: 0 });
    const again = await session.getMessage(m1!.messageId, 6);
    expect(again?.messageId).toBe(m1!.messageId);
    expect(await session.acquireJobs([job.requestId, 999_999])).toEqual([job.requestId]);
    await session.deleteMessage(m1!.messageId);
    const m2 = await session.getMessage(m1!.messageId, 6);
    expect(m2?.jobAssigned.map((j) => j.runnerRequestId)).toEqual([job.requestId]);
    expect(m2?.statistics).toMatchObject({ totalAssignedJobs: 1, totalAvailableJobs: 0 });
    await session.deleteMessage(m2!.messageId);
    expect(await session.getMessage(m2!.messageId, 6)).toBeUndefined();
  });

  it("refreshes the session (PATCH) when the queue token expired, and reports an expired session", async () => {
    const { c, set, s } = await withSet();
    const session = await c.openSession(set.id, "fleet/pool");
    const before = session.session.messageQueueAccessToken;
    s.expireQueueToken(set.id);
    s.submitJob({ runsOn: set.name });
    const m = await session.getMessage(0, 2);
    expect(m?.jobAvailable).toHaveLength(1);
    expect(session.session.messageQueueAccessToken).not.toBe(before);
    expect(s.requests.some((r) => r.method === "PATCH" && r.status === 200)).toBe(true);
    s.expireQueueToken(set.id);
    await session.deleteMessage(m!.messageId);
    s.expireSession(set.id);
    expect((await caught(session.getMessage(0, 2))).kind).toBe("session-expired");
    // A new session can be opened at once: the expired one no longer holds the scale set.
    await c.openSession(set.id, "fleet/pool");
  });

  it("a session opened on an unknown scale set is not-found", async () => {
    const { c } = await setup();
    expect((await caught(c.openSession(4242, "fleet/pool"))).kind).toBe("not-found");
  });
});

describe("HttpScaleSetClient", () => {
  it("is what createScaleSetClient builds", async () => {
    const { c } = await setup();
    expect(c).toBeInstanceOf(HttpScaleSetClient);
  });
});
