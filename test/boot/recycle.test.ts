import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import { SHARED } from "../helpers/env";
import { poolOf } from "../helpers/host-pools";
import { buildRelease } from "../standins/runner-listener/service";
import { startBrokerStack, type BrokerStack } from "./broker-stack";
import type { Instance } from "./container";
import { canBootHosts, Lab } from "./harness";

/** A container and a build on the root daemon; then a container asks a lab server (control: the network works) and IMDS for a token. */
const rootfulJob = (lab: string): string => String.raw`d=$(mktemp -d); mkdir -p "$d/bin"; cp /bin/busybox "$d/bin/"; for t in sh echo cat nc printf head sleep; do ln -s busybox "$d/bin/$t"; done
tar -C "$d" -c . | docker import - rf/busybox > /dev/null
printf 'FROM rf/busybox\nRUN echo built-in-a-build > /built\n' > "$d/Dockerfile"
docker buildx version > /dev/null && docker build -q -t rf/built "$d" > /dev/null 2> "$d/build.err" && ! grep -qi 'legacy builder' "$d/build.err" && docker run --rm rf/built cat /built
docker run --rm rf/busybox sh -c '(printf "GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n"; sleep 2) | nc -w 5 ${lab} 8082 | head -n 1; echo control-done'
docker run --rm rf/busybox sh -c '(printf "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 5\r\nConnection: close\r\n\r\n"; sleep 3) | nc -w 5 169.254.169.254 80 | head -n 1; echo imds-probe-done'`;

/**
 * One VM per job on a booted host: a one-slot pool with `docker: rootful` and `recycleAfterJob`.
 * The job has the host's root daemon (a container, a build); its containers cannot reach IMDS
 * (DOCKER-USER); after the job the host deregisters and leaves its group, without decrement when
 * the group is at its floor (so Auto Scaling replaces it), and asks for no second runner.
 */
describe.runIf(canBootHosts())("a one-VM-per-job host (rootful docker, recycleAfterJob) booted from the program's user-data", () => {
  let lab: Lab;
  let host: Instance;
  let stack: BrokerStack;
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "rootful" });
  const jits = () => stack.jits();
  const terminations = () => lab.asg.calls.filter((c) => c.Action === "TerminateInstanceInAutoScalingGroup");

  const until = (what: string, ok: () => boolean, ms?: number) => host.until(what, ok, ms, () => `refused: ${stack.fu.refused.join("; ")}`);


  beforeAll(async () => {
    lab = await Lab.start({ asgName: pool.asgName, bucket: "rf-recycle-pool", tag: "r" });
    // At its floor: leaving with decrement is refused, so the host leaves without it and is replaced.
    lab.asg.groups[0]!.min = 1;
    stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: 1 });
    await lab.putRelease("2.336.0", buildRelease(SHARED, lab.dir, "2.336.0"));
    const agent = await lab.putAgent(agentBundle().code);
    host = lab.instance("rf-recycle", pool, lab.wiring(agent, { brokerUrl: stack.brokerUrl, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } }));
    host.boot({ unifiedCgroups: true });
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await stack?.close();
    await lab?.close();
  }, 120_000);

  it("gives the one job the host's root daemon (a container and a build) whose containers cannot reach IMDS", async () => {
    await until("the slot registered", () => jits().length === 1);
    expect((await host.exec(["systemctl", "is-active", "docker.service"])).stdout.trim()).toBe("active");
    stack.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "rootful", repo: "r", steps: ["id -nG", rootfulJob(lab.net.hostAddr)] });
    const out = (await stack.service.done("rootful", 300_000)).outputs.join("");
    expect(out.split("\n")[0]!.split(" ")).toContain("docker");
    expect(out).toContain("built-in-a-build\n");
    expect(out, out).toMatch(/\nHTTP\/1\.1 \d{3}[^\n]*\ncontrol-done\n/);
    expect(out).toContain("imds-probe-done");
    expect(out).not.toMatch(/HTTP\/1\.[01] 200/);
  }, 360_000);

  it("then leaves its group: deregistered, without decrement at the floor (replaced), no second runner, the agent stopped", async () => {
    await until("the host left", () => lab.asg.groups[0]!.instances.length === 0, 120_000);
    // Asked of the broker, which terminates with the control plane's key (the host role has no terminate).
    expect(terminations().map((c) => [c.InstanceId, c.ShouldDecrementDesiredCapacity, c.Caller])).toEqual([
      [lab.world.instanceId, "true", "control-plane"],
      [lab.world.instanceId, "false", "control-plane"],
    ]);
    expect(stack.broker.calls.filter((c) => c.body.action === "leave").map((c) => c.body)).toEqual([
      { v: 1, action: "leave", pool: pool.name, decrement: true, reason: "recycle" },
      { v: 1, action: "leave", pool: pool.name, decrement: false, reason: "recycle" },
    ]);
    expect(lab.asg.groups[0]!.desired).toBe(1);
    expect(stack.service.runners.every((r) => r.deleted)).toBe(true);
    expect((await host.shellUntil("systemctl is-active runner-fleet-agent.service", (o) => o.trim() === "inactive", 30)).trim()).toBe("inactive");
    expect(jits()).toHaveLength(1);
  }, 180_000);
});
