import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import { SHARED } from "../helpers/env";
import { poolOf } from "../helpers/host-pools";
import { buildRelease } from "../standins/runner-listener/service";
import { startBrokerStack, type BrokerStack } from "./broker-stack";
import type { Instance } from "./container";
import { canBootHosts, Lab } from "./harness";

/**
 * A warm pool's instance on a booted host, its lifecycle state served by the IMDS stand-in as Auto
 * Scaling moves it: launched into the pool (Warmed:Running, then Warmed:Stopped on the next start)
 * it installs, completes the launch hook and registers nothing; moved InService it registers every
 * slot, without a restart when it was kept running and from the installed disk when it was stopped.
 */
describe.runIf(canBootHosts())("a warm pool's instance on a booted host", () => {
  let lab: Lab;
  let host: Instance;
  let stack: BrokerStack;
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "none" }, { runnersPerHost: 2 });
  const hookCalls = () => lab.asg.calls.filter((c) => c.Action === "CompleteLifecycleAction");
  const jits = () => stack.jits();

  const until = (what: string, ok: () => boolean, ms?: number) => host.until(what, ok, ms, () => `refused: ${stack.fu.refused.join("; ")}`);

  /** Warm: the hook completed for this instance, and a few ticks later still no runner asked for. */
  const staysWarm = async (hooksBefore: number, jitsBefore: number): Promise<void> => {
    await until("the launch hook completed", () => hookCalls().length > hooksBefore);
    expect(hookCalls().at(-1)).toMatchObject({ LifecycleHookName: lab.world.hookName, AutoScalingGroupName: lab.world.asgName, InstanceId: lab.world.instanceId, LifecycleActionResult: "CONTINUE" });
    expect(lab.asg.groups[0]!.pendingHook.size).toBe(0);
    await host.waitFor(/"phase":"warm"/, 30_000);
    await new Promise((r) => setTimeout(r, 4000));
    expect(jits().length).toBe(jitsBefore);
  };

  beforeAll(async () => {
    // The group is the pool's: the agent completes the hook of the group its config names.
    lab = await Lab.start({ asgName: pool.asgName, bucket: "rf-warm-pool", tag: "w", withHook: true });
    stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: 2 });
    const rel = buildRelease(SHARED, lab.dir, "2.336.0");
    await lab.putRelease("2.336.0", rel);
    const agent = await lab.putAgent(agentBundle().code);
    lab.imds.state.lifecycle = "Warmed:Running";
    host = lab.instance("rf-warm", pool, lab.wiring(agent, { brokerUrl: stack.brokerUrl, lifecycleHookName: lab.world.hookName, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } }));
    host.boot();
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await stack?.close();
    await lab?.close();
  }, 120_000);

  it("launched into the pool (Warmed:Running): installs, completes the launch hook, registers nothing", async () => {
    expect(host.lines.some((l) => /runner-fleet-install: step=finished/.test(l.text)), host.tail(40)).toBe(true);
    await staysWarm(0, 0);
  }, 180_000);

  it("moved InService while running: registers every slot without a restart", async () => {
    const started = (await host.exec(["systemctl", "show", "-p", "ExecMainStartTimestampMonotonic", "runner-fleet-agent.service"])).stdout;
    lab.imds.state.lifecycle = "InService";
    await until("both slots registered", () => new Set(jits().map((j) => j.slot)).size === 2);
    expect((await host.exec(["systemctl", "show", "-p", "ExecMainStartTimestampMonotonic", "runner-fleet-agent.service"])).stdout).toBe(started);
    stack.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "w1", repo: "r", steps: ["echo served"] });
    expect((await stack.service.done("w1", 120_000)).outputs.join("")).toBe("served\n");
  }, 180_000);

  it("stopped in the pool (Warmed:Stopped) and started InService: stays warm while warmed, then registers from the installed disk", async () => {
    // Back into the warm pool, stopped there: Auto Scaling starts it once to run its launch hook.
    await host.stop();
    lab.imds.state.lifecycle = "Warmed:Stopped";
    lab.asg.groups[0]!.pendingHook.add(lab.world.instanceId);
    const hooks = hookCalls().length;
    let jitsBefore = jits().length;
    host.boot();
    await staysWarm(hooks, jitsBefore);
    expect(host.lines.some((l) => /runner-fleet-install: step=/.test(l.text))).toBe(false);
    await host.stop();
    // Taken from the pool: started again, InService, the hook once more.
    lab.imds.state.lifecycle = "InService";
    lab.asg.groups[0]!.pendingHook.add(lab.world.instanceId);
    jitsBefore = jits().length;
    host.boot();
    await until("both slots registered", () => new Set(jits().slice(jitsBefore).map((j) => j.slot)).size === 2);
    const registeredMs = Date.now() - host.bootedAt;
    expect(hookCalls().length).toBe(hooks + 2);
    expect(lab.asg.groups[0]!.pendingHook.size).toBe(0);
    // A figure, not a target (npm run bench:boot measures it; README "Boot times").
    console.log(`warm pool start → all slots registered: ${(registeredMs / 1000).toFixed(2)} s`);
  }, 300_000);
});
