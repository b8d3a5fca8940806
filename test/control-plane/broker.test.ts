import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { leaveGroup } from "../../control-plane/broker/leave";
import { asRefusal, errorBody, Refusal, statusOf } from "../../control-plane/broker/refusal";
import { startAsg } from "../standins/asg";
import type { BrokerError, JitAnswer } from "../../protocol/broker";
import { createLogger } from "../../control-plane/aws/log";
import { handleBroker, type BrokerDeps } from "../../control-plane/broker/handler";
import { RecordStore } from "../../control-plane/broker/records";
import { scaleSetsByName } from "../../control-plane/broker/scale-sets";
import { CredentialSource } from "../../control-plane/github/credential";
import { Broker } from "../../host/agent/broker";
import { Imds as ImdsClient } from "../../host/agent/imds";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto, MOTO_ACCOUNT } from "../helpers/moto";
import { startFunctionUrl } from "../standins/function-url";
import { standinIam } from "../helpers/standin-iam";
import { imdsState, startImds } from "../standins/imds";
import { ScaleSetSide } from "./scaleset-side";
import { REGION, bucketSnapshot, CANARY_TOKEN, emptyBucket, exitStandby, groupSnapshot, pool, sessionArn, setUpFleet, standBy, urlEvent, type MotoFleet } from "./fleet";

const run = hasMoto();

describe.runIf(run)("broker against moto (function URL events)", () => {
  let moto: ControlPlaneMoto;
  let fleet: MotoFleet;
  let admin: ScaleSetSide;
  let lines: string[];
  let deps: BrokerDeps;
  const pools = [pool("alpha", { runnersPerHost: 2 }), pool("beta", { runnersPerHost: 1, brokerStates: ["Warmed:Running"] })];
  const alphaSetId = () => admin.sets["alpha-set"]!.id;

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    fleet = await setUpFleet(moto, pools, { alpha: 3, beta: 1 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }));
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    // Every AWS call the broker made was allowed by the control plane's rendered policy.
    expect(moto.proxy.refused).toEqual([]);
    expect(moto.proxy.allowed.length).toBeGreaterThan(0);
  });
  afterEach(async () => {
    await admin?.close();
  });

  // One fleet for the file (moto is slow to build one); each test starts from an empty bucket,
  // a fresh scale-set service and every instance InService.
  beforeEach(async () => {
    await emptyBucket(fleet.admin);
    lines = [];
    admin = await ScaleSetSide.start(CANARY_TOKEN, "my-org", ["alpha-set", "beta-set"]);
    for (const p of fleet.config.pools) p.githubUrl = admin.githubUrl;
    const credential = new CredentialSource(fleet.clients.secrets, fleet.secretArn);
    deps = {
      config: fleet.config,
      autoscaling: fleet.clients.autoscaling,
      records: new RecordStore(fleet.clients.s3, fleet.config.bucket),
      // The client talks to the service with the credential read from Secrets Manager, as in Lambda.
      scaleSets: scaleSetsByName(async () => {
        const c = await credential.get();
        if (c.kind !== "token" || c.token !== CANARY_TOKEN) throw new Error("not the stored credential");
        return admin;
      }),
      log: createLogger((l) => lines.push(l)),
    };
  });

  const alpha = () => fleet.instances.alpha!;
  const alphaCaller = (i = 0) => sessionArn("alpha-host", alpha()[i]!);
  const jit = (slot: number, over: Parameters<typeof urlEvent>[0] = {}) => urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "jit", pool: "alpha", slot }, ...over });

  function noLeak(...texts: string[]): void {
    for (const t of [...texts, ...lines]) expect(t).not.toContain(CANARY_TOKEN);
  }

  it("issues a JIT config for a slot of an InService instance, from a base64 body too", async () => {
    const res = await handleBroker(jit(1, { base64: true }), deps);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as JitAnswer;
    expect(body).toMatchObject({ v: 1, scaleSetId: alphaSetId() });
    expect(body.runnerName).toBe(`alpha-set-${alpha()[0]}-1-1`);
    expect(body.runnerName.length).toBeLessThanOrEqual(64);
    expect(admin.runners.get(body.runnerId)?.name).toBe(body.runnerName);
    const objects = await bucketSnapshot(fleet.admin);
    expect(Object.keys(objects).sort()).toEqual([`broker/alpha/${alpha()[0]}/slot-1.json`, `hosts/alpha/${alpha()[0]}/asked.json`]);
    // The JIT config goes to the host and nowhere else: not into a log line.
    expect(lines.join("\n")).not.toContain(body.encodedJitConfig);
    expect(lines.some((l) => JSON.parse(l).msg === "issued a JIT runner")).toBe(true);
    noLeak(res.body);
  });

  it("answers the host agent's own broker client (SigV4 as the instance role, through a verifying function URL): jit, report, deregister, refusals", async () => {
    const id = alpha()[0]!;
    const imds = await startImds(imdsState({ region: REGION, instanceId: id, accountId: MOTO_ACCOUNT, role: "alpha-host" }));
    const iam = await standinIam({ account: MOTO_ACCOUNT, region: REGION, role: "alpha-host", asgName: "alpha", bucket: "unused" });
    const fu = await startFunctionUrl({ region: REGION, handler: (e) => handleBroker(e, deps), iam });
    fu.principals.push({ ...imds.state.creds, accountId: MOTO_ACCOUNT, role: "alpha-host", session: id });
    try {
      const client = new Broker(fu.url, REGION, "alpha", new ImdsClient(imds.url));
      const j = await client.jit(2, "2.336.0");
      expect(j.runnerName).toBe(`alpha-set-${id}-2-1`);
      expect(admin.runners.get(j.runnerId)?.name).toBe(j.runnerName);
      await client.report("install-done", "2.336.0");
      expect(await client.deregister([j.runnerId])).toEqual([j.runnerId]);
      expect(admin.runners.has(j.runnerId)).toBe(false);
      // A slot past the pool's runnersPerHost (2) and another pool's name are refused, final.
      await expect(client.jit(3, "2.336.0")).rejects.toMatchObject({ code: "slot-limit", retryable: false });
      await expect(new Broker(fu.url, REGION, "beta", new ImdsClient(imds.url)).jit(1, "2.336.0")).rejects.toMatchObject({ code: "wrong-pool", retryable: false });
      expect(fu.refused).toEqual([]);
      noLeak();
    } finally {
      await fu.close();
      await imds.close();
    }
  });

  it("keeps one live runner per slot: a new request replaces the slot's previous runner", async () => {
    const first = JSON.parse((await handleBroker(jit(1), deps)).body) as JitAnswer;
    const second = JSON.parse((await handleBroker(jit(1), deps)).body) as JitAnswer;
    const other = JSON.parse((await handleBroker(jit(2), deps)).body) as JitAnswer;
    expect(second.runnerName).toBe(`alpha-set-${alpha()[0]}-1-2`);
    expect(admin.runners.has(first.runnerId)).toBe(false);
    expect([...admin.runners.keys()].sort()).toEqual([second.runnerId, other.runnerId].sort());
  });

  it("serves slots concurrently; calls racing for one slot leave exactly the recorded runner", async () => {
    const answers = await Promise.all([1, 2].map((s) => handleBroker(jit(s), deps)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    for (let round = 0; round < 8; round++) {
      const race = await Promise.all([handleBroker(jit(1), deps), handleBroker(jit(1), deps), handleBroker(jit(1), deps)]);
      const codes = race.map((a) => a.statusCode);
      expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
      expect(codes).toContain(200);
      const slot1 = [...admin.runners.values()].filter((r) => r.name.includes(`${alpha()[0]}-1-`));
      const rec = (await deps.records.getSlot("alpha", alpha()[0]!, 1))!.value;
      expect(rec.claim).toBeUndefined();
      expect(slot1.map((r) => r.id)).toEqual([rec.runner!.id]);
      expect(admin.runners.size).toBe(2);
    }
  });

  it("backs off while another request holds the slot's claim, and takes over an abandoned one", async () => {
    const first = JSON.parse((await handleBroker(jit(1), deps)).body) as JitAnswer;
    const rec = (await deps.records.getSlot("alpha", alpha()[0]!, 1))!;
    // A request that died after GitHub answered: a claim on the record and a runner under the claimed name.
    const orphanName = `alpha-set-${alpha()[0]}-1-2`;
    const orphan = await admin.client.generateJitRunnerConfig(alphaSetId(), { name: orphanName, workFolder: "_work" });
    await deps.records.putSlot({ ...rec.value, seq: 2, requestId: "dead", claim: { since: new Date().toISOString(), name: orphanName } }, rec.etag);
    const before = { s3: await bucketSnapshot(fleet.admin), gh: [...admin.changes] };
    const busy = await handleBroker(jit(1), deps);
    expect(busy.statusCode).toBe(429);
    expect(JSON.parse(busy.body)).toMatchObject({ error: { code: "throttled", retryable: true, retryAfterSeconds: 2 } });
    expect(await bucketSnapshot(fleet.admin)).toEqual(before.s3);
    expect(admin.changes).toEqual(before.gh);
    // Past the claim's lifetime the next request takes over: the orphan and the old runner go.
    const later = Date.now() + 130_000;
    const res = await handleBroker(jit(1, { timeEpoch: later }), { ...deps, now: () => later });
    expect(res.statusCode).toBe(200);
    const got = JSON.parse(res.body) as JitAnswer;
    expect(got.runnerName).toBe(`alpha-set-${alpha()[0]}-1-3`);
    expect(admin.runners.has(orphan.runner.id)).toBe(false);
    expect(admin.runners.has(first.runnerId)).toBe(false);
    expect([...admin.runners.keys()]).toEqual([got.runnerId]);
  });

  type Case = { name: string; event: () => ReturnType<typeof urlEvent>; code: BrokerError["error"]["code"]; status: number; prepare?: () => Promise<void>; cleanup?: () => Promise<void> };
  const refusals: Case[] = [
    { name: "no IAM authorizer", event: () => jit(1, { noIam: true }), code: "unauthenticated", status: 403 },
    { name: "an IAM user", event: () => jit(1, { userArn: `arn:aws:iam::${MOTO_ACCOUNT}:user/alice` }), code: "unauthenticated", status: 403 },
    { name: "another role's session", event: () => jit(1, { userArn: sessionArn("admin", alpha()[0]!) }), code: "unauthenticated", status: 403 },
    { name: "the role path in the session ARN", event: () => jit(1, { userArn: sessionArn("runner-fleet/hosts/alpha-host", alpha()[0]!) }), code: "unauthenticated", status: 403 },
    { name: "another account", event: () => jit(1, { userArn: sessionArn("alpha-host", alpha()[0]!, "999999999999") }), code: "unauthenticated", status: 403 },
    { name: "an authorizer account unlike the ARN's", event: () => jit(1, { iamAccountId: "999999999999" }), code: "unauthenticated", status: 403 },
    { name: "a session name that is no instance id", event: () => jit(1, { userArn: sessionArn("alpha-host", "alice") }), code: "unauthenticated", status: 403 },
    { name: "a stale (replayed) event", event: () => jit(1, { timeEpoch: Date.now() - 6 * 60 * 1000 }), code: "unauthenticated", status: 403 },
    { name: "an instance in no group", event: () => jit(1, { userArn: sessionArn("alpha-host", fleet.loner) }), code: "unknown-instance", status: 403 },
    { name: "an unknown instance id", event: () => jit(1, { userArn: sessionArn("alpha-host", "i-0123456789abcdef0") }), code: "unknown-instance", status: 403 },
    { name: "a beta instance with alpha's role", event: () => jit(1, { userArn: sessionArn("alpha-host", fleet.instances.beta![0]!) }), code: "wrong-pool", status: 403 },
    {
      name: "a beta instance asking for alpha",
      event: () => urlEvent({ userArn: sessionArn("beta-host", fleet.instances.beta![0]!), body: { v: 1, action: "jit", pool: "alpha", slot: 1 } }),
      code: "wrong-pool",
      status: 403,
    },
    { name: "a pool that does not exist", event: () => urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "jit", pool: "gamma", slot: 1 } }), code: "wrong-pool", status: 403 },
    {
      name: "a Standby instance",
      prepare: () => standBy(fleet.admin, "asg-alpha", alpha()[0]!),
      cleanup: () => exitStandby(fleet.admin, "asg-alpha", alpha()[0]!),
      event: () => jit(1),
      code: "not-in-service",
      status: 409,
    },
    { name: "a slot beyond runnersPerHost", event: () => jit(3), code: "slot-limit", status: 409 },
    { name: "a slot of 0", event: () => jit(0), code: "bad-request", status: 400 },
    { name: "a body that is no JSON", event: () => urlEvent({ userArn: alphaCaller(), rawBody: "{nope" }), code: "bad-request", status: 400 },
    { name: "an unknown action", event: () => urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "token", pool: "alpha" } }), code: "bad-request", status: 400 },
    { name: "an instance id in the body", event: () => urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "jit", pool: "alpha", slot: 1, instanceId: alpha()[1] } }), code: "bad-request", status: 400 },
    { name: "protocol version 2", event: () => urlEvent({ userArn: alphaCaller(), body: { v: 2, action: "jit", pool: "alpha", slot: 1 } }), code: "bad-request", status: 400 },
    { name: "a GET", event: () => jit(1, { method: "GET" }), code: "bad-request", status: 400 },
    { name: "an oversized body", event: () => urlEvent({ userArn: alphaCaller(), rawBody: JSON.stringify({ v: 1, action: "report", pool: "alpha", event: "registered", detail: "x".repeat(9000) }) }), code: "bad-request", status: 400 },
  ];

  for (const c of refusals) {
    it(`refuses ${c.name} (${c.code}), logs it and changes nothing`, async () => {
      // Something issued before, so "nothing changed" has something to keep.
      const issued = await handleBroker(urlEvent({ userArn: alphaCaller(1), body: { v: 1, action: "jit", pool: "alpha", slot: 1 } }), deps);
      expect(issued.statusCode).toBe(200);
      await c.prepare?.();
      try {
        await refusedWithoutChange(c);
      } finally {
        await c.cleanup?.();
      }
    });
  }

  async function refusedWithoutChange(c: Case): Promise<void> {
    const before = { s3: await bucketSnapshot(fleet.admin), asg: await groupSnapshot(fleet.admin, ["asg-alpha", "asg-beta"]), gh: [...admin.changes] };
    const n = lines.length;
    const res = await handleBroker(c.event(), deps);
    expect(res.statusCode).toBe(c.status);
    const body = JSON.parse(res.body) as BrokerError;
    expect(body.v).toBe(1);
    expect(body.error.code).toBe(c.code);
    expect(body.error.retryable).toBe(false);
    expect(await bucketSnapshot(fleet.admin)).toEqual(before.s3);
    expect(await groupSnapshot(fleet.admin, ["asg-alpha", "asg-beta"])).toBe(before.asg);
    expect(admin.changes).toEqual(before.gh);
    const logged = lines.slice(n).map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusal = logged.find((l) => l.msg === "refused");
    expect(refusal).toMatchObject({ code: c.code, level: "warn" });
    expect(typeof refusal!.reason).toBe("string");
    expect(refusal!.caller).toBeDefined();
    noLeak(res.body);
  }

  it("refuses a replay of a served request and keeps the runner it issued", async () => {
    const event = jit(1);
    const first = await handleBroker(event, deps);
    expect(first.statusCode).toBe(200);
    const before = { s3: await bucketSnapshot(fleet.admin), gh: [...admin.changes] };
    const again = await handleBroker(event, deps);
    expect(again.statusCode).toBe(403);
    expect((JSON.parse(again.body) as BrokerError).error.code).toBe("unauthenticated");
    expect(await bucketSnapshot(fleet.admin)).toEqual(before.s3);
    expect(admin.changes).toEqual(before.gh);
  });

  it("answers a warm-pool state the pool allows, not one it does not", async () => {
    await standBy(fleet.admin, "asg-beta", fleet.instances.beta![0]!);
    try {
      await warmStates();
    } finally {
      await exitStandby(fleet.admin, "asg-beta", fleet.instances.beta![0]!);
    }
  });

  async function warmStates(): Promise<void> {
    const res = await handleBroker(urlEvent({ userArn: sessionArn("beta-host", fleet.instances.beta![0]!), body: { v: 1, action: "jit", pool: "beta", slot: 1 } }), deps);
    expect((JSON.parse(res.body) as BrokerError).error.code).toBe("not-in-service");
    expect(deps.config.pools[1]!.brokerStates).not.toContain("Standby");
    deps.config.pools[1]!.brokerStates.push("Standby");
    try {
    const ok = await handleBroker(urlEvent({ userArn: sessionArn("beta-host", fleet.instances.beta![0]!), body: { v: 1, action: "jit", pool: "beta", slot: 1 } }), deps);
    expect(ok.statusCode).toBe(200);
    } finally {
    deps.config.pools[1]!.brokerStates.pop();
    }
  }

  it("deregisters only the caller's own runners", async () => {
    const mine = JSON.parse((await handleBroker(jit(1), deps)).body) as JitAnswer;
    const theirs = JSON.parse((await handleBroker(jit(1, { userArn: alphaCaller(1) }), deps)).body) as JitAnswer;
    const before = [...admin.changes];
    const foreign = await handleBroker(urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "deregister", pool: "alpha", runnerIds: [mine.runnerId, theirs.runnerId] } }), deps);
    expect(foreign.statusCode).toBe(400);
    expect(admin.changes).toEqual(before);
    const all = await handleBroker(urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "deregister", pool: "alpha" } }), deps);
    expect(JSON.parse(all.body)).toEqual({ v: 1, removed: [mine.runnerId] });
    expect(admin.runners.has(theirs.runnerId)).toBe(true);
    expect(Object.keys(await bucketSnapshot(fleet.admin)).filter((k) => k.startsWith("broker/"))).toEqual([`broker/alpha/${alpha()[1]}/slot-1.json`]);
  });

  it("records install-failed for the reaper and redacts the detail", async () => {
    const res = await handleBroker(
      urlEvent({ userArn: alphaCaller(), body: { v: 1, action: "report", pool: "alpha", event: "install-failed", detail: `curl failed with header Authorization: token ${CANARY_TOKEN}` } }),
      deps,
    );
    expect(JSON.parse(res.body)).toEqual({ v: 1, accepted: true });
    const objects = await bucketSnapshot(fleet.admin);
    const mark = objects[`hosts/alpha/${alpha()[0]}/install-failed.json`];
    expect(mark).toBeDefined();
    expect(mark).toContain("curl failed");
    noLeak(mark!, res.body);
  });

  it("passes GitHub's throttling on as retryable, releasing the slot's claim", async () => {
    const first = JSON.parse((await handleBroker(jit(1), deps)).body) as JitAnswer;
    // The service throttles removing the old runner: the client retries once (the broker's setting) and gives up.
    admin.standin.failNext(/agents\/\d+$/, 429, 2, { "retry-after": "7" });
    const res = await handleBroker(jit(1), deps);
    expect(res.statusCode).toBe(429);
    expect(JSON.parse(res.body)).toEqual({ v: 1, error: { code: "throttled", message: "GitHub throttled the control plane", retryable: true, retryAfterSeconds: 7 } });
    // The throttled call failed removing the old runner: it is still the slot's, and no claim is left behind.
    const rec = (await deps.records.getSlot("alpha", alpha()[0]!, 1))!.value;
    expect(rec.claim).toBeUndefined();
    expect(rec.runner?.id).toBe(first.runnerId);
    expect(admin.runners.has(first.runnerId)).toBe(true);
    expect((await handleBroker(jit(1), deps)).statusCode).toBe(200);
  });

  it("never lets the credential out, even when an upstream error quotes it", async () => {
    await handleBroker(jit(1), deps); // reads the credential
    admin.failNextWith = Object.assign(new Error(`request failed: 502, headers {"authorization":"token ${CANARY_TOKEN}"}`), { status: 502 });
    const res = await handleBroker(jit(2), deps);
    expect(res.statusCode).toBe(500);
    expect(lines.join("\n")).toContain("[redacted]");
    noLeak(res.body);
  });

  // Last: these terminate instances of the file's one fleet.
  it("terminates exactly the verified caller's own instance when it leaves, with or without decrement; never another's", async () => {
    const leaveAs = (userArn: string, body: Record<string, unknown>, over: Parameters<typeof urlEvent>[0] = {}) =>
      handleBroker(urlEvent({ userArn, body: { v: 1, action: "leave", pool: "alpha", reason: "idle", decrement: true, ...body }, ...over }), deps);
    const groups = () => groupSnapshot(fleet.admin, ["asg-alpha", "asg-beta"]);
    const members = async (asg: string) => (JSON.parse(await groups()) as { name: string; desired: number; instances: [string, string][] }[]).find((g) => g.name === asg)!;
    const before = await groups();
    // A beta instance with alpha's role, a body naming another pool, a Standby instance: refused, nothing terminated.
    expect((JSON.parse((await leaveAs(sessionArn("alpha-host", fleet.instances.beta![0]!), {})).body) as BrokerError).error.code).toBe("wrong-pool");
    expect((JSON.parse((await leaveAs(alphaCaller(2), { pool: "beta" })).body) as BrokerError).error.code).toBe("wrong-pool");
    expect((await leaveAs(alphaCaller(2), { instanceId: alpha()[0] })).statusCode).toBe(400);
    await standBy(fleet.admin, "asg-alpha", alpha()[1]!);
    try {
      deps.config.pools[0]!.brokerStates.push("Standby");
      expect((JSON.parse((await leaveAs(alphaCaller(1), {})).body) as BrokerError).error.code).toBe("not-in-service");
    } finally {
      deps.config.pools[0]!.brokerStates.pop();
      await exitStandby(fleet.admin, "asg-alpha", alpha()[1]!);
    }
    // Nothing was terminated: every instance from before is still in its group and in service. (Standby
    // without decrement lets Auto Scaling launch a replacement, so the groups may have grown.)
    const instancesOf = (snap: string) => (JSON.parse(snap) as { name: string; instances: [string, string][] }[]).flatMap((g) => g.instances.map(([id, state]) => `${g.name}/${id}/${state}`));
    const afterRefusals = instancesOf(await groups());
    for (const i of instancesOf(before)) expect(afterRefusals).toContain(i);

    const desired = (await members("asg-alpha")).desired;
    const res = await leaveAs(alphaCaller(2), { decrement: true });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ v: 1, left: true, decremented: true });
    const after = await members("asg-alpha");
    expect(after.desired).toBe(desired - 1);
    const inService = after.instances.filter(([, state]) => state === "InService").map(([id]) => id);
    expect(inService).not.toContain(alpha()[2]);
    expect(inService).toEqual(expect.arrayContaining([alpha()[0]!, alpha()[1]!]));
    expect(await members("asg-beta")).toEqual(JSON.parse(before).find((g: { name: string }) => g.name === "asg-beta"));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "terminated the caller's instance in its group")).toMatchObject({ instanceId: alpha()[2], reason: "idle", decrement: true });

    const spot = await leaveAs(alphaCaller(1), { decrement: false, reason: "spot" });
    expect(JSON.parse(spot.body)).toEqual({ v: 1, left: true, decremented: false });
    expect((await members("asg-alpha")).desired).toBe(desired - 1);
    expect((await members("asg-alpha")).instances.some(([id, state]) => id === alpha()[1] && state === "InService")).toBe(false);
  });

});

describe("leaving at Auto Scaling's floor (the stand-in answers AWS's own refusal: test/standins/asg.ts)", () => {
  it("answers AWS's floor refusal as at-minimum (409, not retryable), any other refusal apart; without decrement it leaves", async () => {
    const key = { accessKeyId: "AKIACONTROLPLANE0001", secretAccessKey: "control-plane-secret" };
    const iam = await standinIam({ account: "123456789012", region: REGION, role: "asg-alpha-host", asgName: "asg-alpha", bucket: "rf-mirror" });
    const asg = await startAsg({ region: REGION, host: () => ({ accessKeyId: "AKIAHOST000000000001", secretAccessKey: "host-secret" }), controlPlane: key, iam, hostSession: () => "arn:aws:sts::123456789012:assumed-role/asg-alpha-host/i-0aaaaaaaaaaaaaaa1" });
    try {
      asg.groups.push({ name: "asg-alpha", min: 1, desired: 1, instances: ["i-0aaaaaaaaaaaaaaa1"], pendingHook: new Set() });
      const client = new AutoScalingClient({ region: REGION, endpoint: asg.url, credentials: key, maxAttempts: 1 });
      const leave = (instanceId: string, decrement: boolean) => leaveGroup(client, instanceId, { v: 1, action: "leave", pool: "alpha", decrement, reason: "recycle" });
      const floor = await leave("i-0aaaaaaaaaaaaaaa1", true).catch((e: unknown) => asRefusal(e));
      expect(floor).toBeInstanceOf(Refusal);
      expect(errorBody(floor as Refusal)).toMatchObject({ error: { code: "at-minimum", retryable: false } });
      expect(statusOf(floor as Refusal)).toBe(409);
      expect(asg.groups[0]!.instances).toEqual(["i-0aaaaaaaaaaaaaaa1"]);
      const unknown = asRefusal(await leave("i-0bbbbbbbbbbbbbbb2", true).catch((e: unknown) => e));
      expect([unknown.code, unknown.message]).toEqual(["upstream", expect.stringMatching(/^AWS refused: Instance Id not found/)]);
      expect(await leave("i-0aaaaaaaaaaaaaaa1", false)).toEqual({ v: 1, left: true, decremented: false });
      expect(asg.groups[0]).toMatchObject({ desired: 1, instances: [] });
      expect(asg.calls.map((c) => c.Caller)).toEqual(["control-plane", "control-plane", "control-plane"]);
    } finally {
      await asg.close();
    }
  });
});
