import { AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitRequest } from "../../protocol/broker";
import { canRunAgent, World } from "./world";

/**
 * Leaving and arriving: idle leave with decrement (and staying at the group's floor, told apart
 * from other ValidationErrors), aborting when a runner turns busy, one VM per job, a warm pool's
 * launch hook, and rolling a slot over to a new release between jobs. Every leave goes through the
 * broker, which terminates with the control plane's key; the host's own key may not terminate.
 */
describe.runIf(canRunAgent())("an agent leaving, recycling, warming and rolling over", () => {
  let w: World;
  let offset = 0;
  const now = () => Date.now() + offset;
  const group = () => w.asg.groups[0]!;
  const terminations = () => w.asg.calls.filter((c) => c.Action === "TerminateInstanceInAutoScalingGroup");
  const leaves = () => w.broker.calls.filter((c) => c.body.action === "leave").map((c) => c.body);

  beforeAll(async () => {
    w = await World.start({ slots: 1 });
    await w.publish("2.336.0");
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  const serving = async (over: Parameters<World["agent"]>[0] = {}) => {
    const a = w.agent({ idleTimeoutSeconds: 60, ...over }, { now });
    await a.start();
    await w.until("the slot listening", () => a.slots[0]!.phase === "listening");
    return a;
  };

  it("stays at the group's minimum size (AWS's ValidationError for the floor), and retries after any other refusal", async () => {
    group().min = 1;
    group().desired = 1;
    const a = await serving();
    offset = 61_000;
    await a.tick();
    expect(leaves().at(-1)).toEqual({ v: 1, action: "leave", pool: "pool-a", decrement: true, reason: "idle" });
    expect(terminations().at(-1)).toMatchObject({ InstanceId: w.imds.state.instanceId, ShouldDecrementDesiredCapacity: "true", Caller: "control-plane" });
    expect(w.lines("the group is at its minimum size; staying")).toHaveLength(1);
    expect(a.mode).toBe("serving");
    await w.until("a new runner after staying", () => a.slots[0]!.phase === "listening");

    // Another ValidationError (the instance is in no group AWS knows): logged, retried later, not read as "at minimum".
    const members = group().instances;
    group().instances = [];
    offset += 61_000;
    await a.tick();
    expect(w.lines("leave failed; staying and retrying later").at(-1)!.error).toMatch(/Instance Id not found/);
    expect(w.lines("the group is at its minimum size; staying")).toHaveLength(1);
    expect(a.mode).toBe("serving");
    group().instances = members;
    await a.shutdown("next case");
  }, 60_000);

  it("aborts leaving when its runner turns busy, and leaves with decrement once idle", async () => {
    group().min = 0;
    group().desired = 2;
    const a = await serving();
    // GitHub will not delete a runner running a job: the broker removes nothing.
    const runner = w.service.runners.find((r) => r.id === a.slots[0]!.runnerId)!;
    runner.busy = true;
    offset += 61_000;
    const before = terminations().length;
    await a.tick();
    expect(w.lines("a runner took a job while leaving; staying")).toHaveLength(1);
    expect(terminations().length).toBe(before);
    expect(a.mode).toBe("serving");
    runner.busy = false;
    offset += 61_000;
    await a.tick();
    expect(terminations().at(-1)).toMatchObject({ ShouldDecrementDesiredCapacity: "true" });
    expect(group().desired).toBe(1);
    expect(group().instances).toEqual([]);
    expect(w.exits.at(-1)).toBe(0);
    expect(a.mode).toBe("stopped");
    group().instances = [w.imds.state.instanceId];
  }, 60_000);

  it("with recycleAfterJob, terminates itself after its one job (replaced when the group is at its floor)", async () => {
    group().min = 1;
    group().desired = 1;
    const exits = w.exits.length;
    const a = await serving({ recycleAfterJob: true, idleTimeoutSeconds: 0 });
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "one", repo: "r", steps: ["echo one"] });
    await w.service.done("one");
    await w.until("the host to leave", () => w.exits.length > exits, 20_000);
    expect(leaves().slice(-2)).toEqual([
      { v: 1, action: "leave", pool: "pool-a", decrement: true, reason: "recycle" },
      { v: 1, action: "leave", pool: "pool-a", decrement: false, reason: "recycle" },
    ]);
    expect(terminations().slice(-2)).toMatchObject([
      { ShouldDecrementDesiredCapacity: "true", Caller: "control-plane" },
      { ShouldDecrementDesiredCapacity: "false", Caller: "control-plane" },
    ]);
    expect(group().instances).toEqual([]);
    expect(group().desired).toBe(1);
    expect(a.mode).toBe("stopped");
    group().instances = [w.imds.state.instanceId];
  }, 60_000);

  it("the instance role itself cannot terminate (Auto Scaling refuses the host's key), so leaving is the broker's", async () => {
    const asHost = new AutoScalingClient({ region: "eu-west-1", endpoint: w.asg.url, credentials: w.imds.state.creds, maxAttempts: 1 });
    const members = [...group().instances];
    await expect(asHost.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: w.imds.state.instanceId, ShouldDecrementDesiredCapacity: true }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    expect(terminations().at(-1)).toMatchObject({ Caller: "host" });
    expect(group().instances).toEqual(members);
  });

  it("while Warmed:*, installs and completes the launch hook without registering; registers once InService", async () => {
    w.imds.state.lifecycle = "Warmed:Running";
    group().pendingHook.add(w.imds.state.instanceId);
    const jits = () => w.broker.calls.filter((c) => c.body.action === "jit").length;
    const before = jits();
    const a = w.agent({ warmPool: { hookName: "rf-launch" } });
    await a.start();
    expect(a.mode).toBe("warm");
    expect(w.asg.calls.at(-1)).toMatchObject({ Action: "CompleteLifecycleAction", LifecycleHookName: "rf-launch", AutoScalingGroupName: "rf-pool-a", LifecycleActionResult: "CONTINUE", Caller: "host" });
    expect(group().pendingHook.has(w.imds.state.instanceId)).toBe(false);
    await a.tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(jits()).toBe(before);
    w.imds.state.lifecycle = "InService";
    await a.tick();
    await w.until("the slot registered", () => a.slots[0]!.phase === "listening");
    await a.tick();
    const phases = w.lines("phase").map((l) => l.phase);
    expect(phases.slice(phases.lastIndexOf("agent-start"))).toEqual(["agent-start", "installed", "lifecycle-hook-completed", "warm", "in-service", "all-slots-registered"]);
    expect(w.lines("phase").at(-1)).toMatchObject({ phase: "all-slots-registered", ms: expect.any(Number), slots: 1 });
    await a.shutdown("next case");
  }, 60_000);

  it("keeps a persistent slot's work trees between jobs, and sweeps those untouched past workMaxAgeHours", async () => {
    const a = await serving({ ephemeral: false, idleTimeoutSeconds: 0, workMaxAgeHours: 1 });
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "work", repo: "kept", steps: ['cd ..; mkdir -p ../old/old; touch -d "3 hours ago" ../old/old ../old; echo here > "$GITHUB_WORKSPACE/f"'] });
    await w.service.done("work");
    await w.until("the next runner", () => a.slots[0]!.phase === "listening" && a.slots[0]!.jobs >= 1);
    const work = `${a.slots[0]!.d.fs.runnerRoot}/_work`;
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(work).sort()).toEqual(["_temp", "kept", "old"]);
    await a.tick();
    expect(readdirSync(work).sort()).toEqual(["_temp", "kept"]);
    await a.shutdown("next case");
  }, 60_000);

  it("rolls a slot over to a newer release between jobs, never under a running one", async () => {
    // Built before the job: packing a release takes seconds on a busy machine.
    const next = await w.publish("2.337.0", undefined, false);
    await w.setManifest(w.releases.get("2.336.0")!);
    const a = await serving({ idleTimeoutSeconds: 0 });
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "long", repo: "r", steps: ['for i in $(seq 1 1200); do [ -e "$RUNNER_TEMP/go" ] && break; sleep 0.1; done; cat "$GITHUB_WORKSPACE/../../../bin/runner-version"'] });
    await w.until("the job running", () => a.slots[0]!.busy());
    await w.setManifest(next);
    a.forceManifestCheck = true;
    await a.tick();
    expect(a.release!.version).toBe("2.337.0");
    expect(a.slots[0]!.busy()).toBe(true);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${a.slots[0]!.d.fs.runnerRoot}/_work/_temp/go`, "");
    expect((await w.service.done("long")).outputs.join("")).toBe("2.336.0\n");
    await w.until("the next runner", () => a.slots[0]!.phase === "listening" && a.slots[0]!.runningVersion === "2.337.0");
    const last = w.broker.calls.filter((c) => c.body.action === "jit").at(-1)!.body as JitRequest;
    expect(last.runnerVersion).toBe("2.337.0");
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "new", repo: "r", steps: ['cat "$GITHUB_WORKSPACE/../../../bin/runner-version"'] });
    expect((await w.service.done("new")).outputs.join("")).toBe("2.337.0\n");
    // The old release stayed while its job ran; no slot uses it now, so it goes.
    const { existsSync } = await import("node:fs");
    expect(existsSync(`${w.root}/runners/2.336.0`)).toBe(true);
    await a.tick();
    expect(existsSync(`${w.root}/runners/2.336.0`)).toBe(false);
    expect(existsSync(`${w.root}/runners/2.337.0`)).toBe(true);
    await a.shutdown("end");
  }, 60_000);
  it("retires an idle runner still listening on an older release (deregistered first), and counts no job for it", async () => {
    const next = await w.publish("2.338.0", undefined, false);
    const a = await serving({ idleTimeoutSeconds: 0 });
    const old = a.slots[0]!.runnerId!;
    expect(a.slots[0]!.runningVersion).toBe("2.337.0");
    await w.setManifest(next, w.releases.get("2.337.0"));
    a.forceManifestCheck = true;
    await a.tick();
    await w.until("a runner on 2.338.0", () => a.slots[0]!.phase === "listening" && a.slots[0]!.runningVersion === "2.338.0");
    const deregistered = w.broker.calls.filter((c) => c.body.action === "deregister").map((c) => (c.body as { runnerIds?: number[] }).runnerIds);
    expect(deregistered).toContainEqual([old]);
    expect(w.service.runners.find((r) => r.id === old)?.deleted).toBe(true);
    expect(a.slots[0]!.jobs).toBe(0);
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "after-retire", repo: "r", steps: ['cat "$GITHUB_WORKSPACE/../../../bin/runner-version"'] });
    expect((await w.service.done("after-retire")).outputs.join("")).toBe("2.338.0\n");
    await a.shutdown("end");
  }, 60_000);
});
