import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import type { ControlPlanePool } from "../../protocol/control-plane-config";
import { runListener, type ListenerDeps } from "../../control-plane/listener/listener";
import type { JobSample, ScaleSample } from "../../control-plane/listener/metrics-sink";
import { ListenerStateStore } from "../../control-plane/listener/state";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { BUCKET, pool, setUpFleet, type MotoFleet } from "./fleet";

/**
 * The listener against the scale-set stand-in and moto's Auto Scaling and S3: real HTTP, real SDK
 * calls, a short long-poll (150 ms) and runs of about a second.
 */

const PAT = "ghp_listenerlistenerlistener012345";
const run = hasMoto();

describe.runIf(run)("listener vs stand-in and moto", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  let fleet: MotoFleet;
  let samples: ScaleSample[];
  let reactions: number[];
  let jobs: JobSample[];
  let warnings: string[];

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
  }, 30_000);
  afterAll(async () => {
    await moto?.stop();
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
  });
  beforeEach(async () => {
    await moto.reset();
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 150 });
    samples = [];
    reactions = [];
    jobs = [];
    warnings = [];
  });
  afterEach(async () => {
    await standin.close();
  });

  async function setUp(pools: ControlPlanePool[], desired: Record<string, number> = {}) {
    const ps = pools.map((p) => ({ ...p, githubUrl: standin.orgUrl("acme") }));
    fleet = await setUpFleet(moto, ps, Object.fromEntries(ps.map((p) => [p.name, desired[p.name] ?? 0])), JSON.stringify({ kind: "token", token: PAT }));
    return ps;
  }

  function deps(over: Partial<ListenerDeps> = {}): ListenerDeps {
    const client = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT }, { http: { sleep: async () => {} } });
    return {
      config: fleet.config,
      clientFor: () => client,
      autoscaling: fleet.clients.autoscaling,
      state: new ListenerStateStore(fleet.clients.s3, BUCKET),
      metrics: { scale: (s) => samples.push(s), reaction: (_p, ms) => reactions.push(ms), job: (j) => jobs.push(j) },
      log: { info: () => {}, warn: (m) => warnings.push(m) },
      pollMs: 200,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      conflictWaitMs: 10,
      ...over,
    };
  }

  async function groupDesired(asg: string): Promise<number> {
    const g = await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }));
    return g.AutoScalingGroups![0]!.DesiredCapacity!;
  }

  async function setId(name: string): Promise<number> {
    const s = standin.scaleSets().find((x) => x.name === name);
    if (!s) throw new Error(`no scale set ${name}`);
    return s.id;
  }

  it("registers a missing scale set, acquires offered jobs, raises the group at once, acks, and closes its session", async () => {
    const [p] = await setUp([pool("linux", { runnersPerHost: 2, maxHosts: 4 })]);
    // First run: no scale set yet; the listener creates it.
    const first = await runListener(deps(), { deadline: Date.now() + 700 });
    expect(first.pools[0]).toMatchObject({ sessions: 1, errors: [] });
    const id = await setId(p!.scaleSetName);
    expect(standin.sessions()).toHaveLength(0);
    for (let i = 0; i < 3; i++) standin.submitJob({ runsOn: p!.scaleSetName });
    const second = await runListener(deps(), { deadline: Date.now() + 900 });
    expect(second.pools[0]).toMatchObject({ acquired: 3, errors: [] });
    expect(await groupDesired(p!.asgName)).toBe(2);
    expect(standin.statistics(id)).toMatchObject({ totalAssignedJobs: 3, totalAvailableJobs: 0 });
    expect(standin.requests.filter((r) => r.maxCapacity !== undefined).every((r) => r.maxCapacity === "8")).toBe(true);
    // Every message was deleted (acked): a new session gets nothing.
    const c = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const s = await c.openSession(id, "probe");
    expect(await s.getMessage(0, 1)).toBeUndefined();
    await s.close();
    expect(reactions.length).toBeGreaterThan(0);
    expect(samples.at(-1)).toMatchObject({ pool: "linux", assigned: 3, desired: 2, groupDesired: 2 });
    // The state object is gone after a clean close.
    await expect(fleet.admin.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "listener/linux.json" }))).rejects.toMatchObject({ name: "NoSuchKey" });
  }, 30_000);

  it("keeps serving a set whose labels differ from the pool's (only a deploy re-creates it), and says so", async () => {
    const [p] = await setUp([pool("linux", { runnersPerHost: 2, maxHosts: 4, labels: ["self-hosted", "linux", "X64"] })]);
    // The set GitHub has was registered before the pool's labels changed: name and "old-label" only.
    const admin = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const group = await admin.getRunnerGroupByName("default");
    const old = await admin.createRunnerScaleSet({ name: p!.scaleSetName, runnerGroupId: group.id, labels: [{ name: p!.scaleSetName, type: "System" }, { name: "old-label", type: "System" }], RunnerSetting: { disableUpdate: true } });
    const waiting = standin.submitJob({ runsOn: ["self-hosted", "linux", "X64"] });
    standin.submitJob({ runsOn: ["old-label"] });
    const r = await runListener(deps(), { deadline: Date.now() + 1_500 });
    expect(r.pools[0]).toMatchObject({ scaleSetId: old.id, acquired: 1, errors: [] });
    expect(warnings).toContain("scale set kept by the listener");
    // Nothing deleted or created: one set, the old one, with its old labels; GitHub routes by them.
    expect(standin.scaleSets().map((x) => [x.id, x.labels.map((l) => l.name)])).toEqual([[old.id, [p!.scaleSetName, "old-label"]]]);
    expect(standin.requests.some((q) => q.method === "DELETE" && q.path.includes("/scalesets/"))).toBe(false);
    expect(standin.jobs().find((j) => j.requestId === waiting.requestId)).toMatchObject({ state: "queued", scaleSetId: undefined });
    expect(await groupDesired(p!.asgName)).toBe(1);
  }, 30_000);

  it("reports each job's wait (queued → runner assigned) and runner time (→ finished) by repository, from the service's own timestamps", async () => {
    const [p] = await setUp([pool("linux", { maxHosts: 4, runnersPerHost: 2 })]);
    await runListener(deps(), { deadline: Date.now() + 500 });
    const id = await setId(p!.scaleSetName);
    const job = standin.submitJob({ runsOn: p!.scaleSetName, repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main" });
    await runListener(deps(), { deadline: Date.now() + 700 });
    const c = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const jit = await c.generateJitRunnerConfig(id, { name: "linux-runner-1", workFolder: "_work" });
    await new Promise((r) => setTimeout(r, 30));
    standin.startJob(job.requestId, jit.runner.name);
    await new Promise((r) => setTimeout(r, 30));
    standin.completeJob(job.requestId);
    await runListener(deps(), { deadline: Date.now() + 700 });
    const wait = jobs.find((j) => j.waitMs !== undefined);
    const ran = jobs.find((j) => j.durationSeconds !== undefined);
    expect(wait).toMatchObject({ pool: "linux", repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main" });
    expect(wait!.waitMs).toBeGreaterThanOrEqual(30);
    expect(ran).toMatchObject({ pool: "linux", repository: "acme/api" });
    expect(ran!.durationSeconds).toBeGreaterThanOrEqual(0.03);
    expect(jobs).toHaveLength(2);
  }, 30_000);

  it("never lowers the group, and clamps to min and max", async () => {
    const [lo, hi] = await setUp([pool("lo", { minHosts: 1, maxHosts: 3 }), pool("hi", { maxHosts: 3, runnersPerHost: 1 })], { lo: 0, hi: 0 });
    await runListener(deps(), { deadline: Date.now() + 500 });
    expect(await groupDesired(lo!.asgName)).toBe(1);
    expect(await groupDesired(hi!.asgName)).toBe(0);
    const hiId = await setId(hi!.scaleSetName);
    for (let i = 0; i < 10; i++) standin.submitJob({ runsOn: hi!.scaleSetName });
    expect(standin.jobs(hiId)).toHaveLength(10);
    // Someone else (an operator) raised it.
    await fleet.admin.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: lo!.asgName, DesiredCapacity: 2 }));
    await runListener(deps(), { deadline: Date.now() + 800 });
    expect(await groupDesired(hi!.asgName)).toBe(3);
    expect(await groupDesired(lo!.asgName)).toBe(2);
  }, 30_000);

  it("keeps warm idle runners' hosts", async () => {
    const [p] = await setUp([pool("warm", { warmIdleRunners: 3, runnersPerHost: 2 })]);
    await runListener(deps(), { deadline: Date.now() + 500 });
    expect(await groupDesired(p!.asgName)).toBe(2);
  }, 30_000);

  it("deletes the session a killed run left (id from S3) instead of waiting on a 409", async () => {
    const [p] = await setUp([pool("killed")]);
    await runListener(deps(), { deadline: Date.now() + 400 });
    const id = await setId(p!.scaleSetName);
    const c = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const orphan = await c.openSession(id, "test/killed");
    await fleet.admin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "listener/killed.json", Body: JSON.stringify({ v: 1, scaleSetId: id, sessionId: orphan.session.sessionId, lastMessageId: 0, at: new Date().toISOString() }) }));
    standin.submitJob({ runsOn: p!.scaleSetName });
    const res = await runListener(deps(), { deadline: Date.now() + 700 });
    expect(res.pools[0]).toMatchObject({ sessions: 1, acquired: 1 });
    expect(res.pools[0]!.gaveUp).toBeUndefined();
    expect(standin.requests.filter((r) => r.method === "POST" && r.path.endsWith("/sessions") && r.status === 409)).toHaveLength(0);
    expect(await groupDesired(p!.asgName)).toBe(1);
  }, 30_000);

  it("gives up for this run on a session held by someone else, retrying first, and loses nothing", async () => {
    const [p] = await setUp([pool("busy")]);
    await runListener(deps(), { deadline: Date.now() + 400 });
    const id = await setId(p!.scaleSetName);
    const c = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT });
    const other = await c.openSession(id, "someone-else");
    standin.submitJob({ runsOn: p!.scaleSetName });
    const res = await runListener(deps({ conflictTries: 3 }), { deadline: Date.now() + 2000 });
    expect(res.pools[0]!.gaveUp).toMatch(/session conflict after 3 tries/);
    expect(standin.requests.filter((r) => r.path.endsWith("/sessions") && r.status === 409)).toHaveLength(3);
    expect(standin.statistics(id).totalAvailableJobs).toBe(1);
    await other.close();
    await runListener(deps(), { deadline: Date.now() + 700 });
    expect(standin.statistics(id)).toMatchObject({ totalAvailableJobs: 0, totalAssignedJobs: 1 });
    expect(await groupDesired(p!.asgName)).toBe(1);
  }, 30_000);

  it("survives session expiry, queue-token expiry and GitHub 5xx mid-run", async () => {
    const [p] = await setUp([pool("flaky", { runnersPerHost: 1, maxHosts: 5 })]);
    await runListener(deps(), { deadline: Date.now() + 400 });
    const id = await setId(p!.scaleSetName);
    const timers = [
      setTimeout(() => standin.expireQueueToken(id), 250),
      setTimeout(() => standin.submitJob({ runsOn: p!.scaleSetName }), 300),
      setTimeout(() => standin.expireSession(id), 600),
      setTimeout(() => {
        standin.failNext(/\/queue\//, 503, 1);
        standin.submitJob({ runsOn: p!.scaleSetName });
      }, 800),
      setTimeout(() => standin.submitJob({ runsOn: p!.scaleSetName }), 1100),
    ];
    const res = await runListener(deps(), { deadline: Date.now() + 3000 });
    timers.forEach(clearTimeout);
    expect(res.pools[0]!.sessions).toBeGreaterThanOrEqual(2);
    expect(standin.statistics(id)).toMatchObject({ totalAvailableJobs: 0, totalAssignedJobs: 3 });
    expect(await groupDesired(p!.asgName)).toBe(3);
  }, 30_000);

  it("does not ack a message whose capacity request failed (AWS throttling): it comes back and is acted on", async () => {
    const [p] = await setUp([pool("throttled", { runnersPerHost: 1 })]);
    await runListener(deps(), { deadline: Date.now() + 400 });
    const id = await setId(p!.scaleSetName);
    standin.submitJob({ runsOn: p!.scaleSetName });
    standin.submitJob({ runsOn: p!.scaleSetName });
    let throttled = 0;
    fleet.clients.autoscaling.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SetDesiredCapacityCommand" && throttled < 2) {
          throttled++;
          throw Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: "initialize", name: "throttleTwice" },
    );
    const res = await runListener(deps(), { deadline: Date.now() + 2500 });
    fleet.clients.autoscaling.middlewareStack.remove("throttleTwice");
    expect(throttled).toBe(2);
    expect(res.pools[0]!.errors.filter((e) => /Rate exceeded/.test(e))).toHaveLength(2);
    expect(await groupDesired(p!.asgName)).toBe(2);
    expect(standin.statistics(id).totalAssignedJobs).toBe(2);
  }, 30_000);
});
