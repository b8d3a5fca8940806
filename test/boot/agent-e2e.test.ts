import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import type { MirroredRelease } from "../../protocol/mirror";
import { SHARED } from "../helpers/env";
import { HOSTILE_TREE_STEP } from "../helpers/hostile-tree";
import { poolOf } from "../helpers/host-pools";
import type { FunctionUrl } from "../standins/function-url";
import { buildRelease, type BrokerDouble, type RunnerService } from "../standins/runner-listener/service";
import { startBrokerStack, type BrokerStack } from "./broker-stack";
import type { Instance } from "./container";
import { canBootHosts, Lab } from "./harness";

const SLOT_OF = /\/slots\/(\d+)\/state/;

/**
 * The agent end to end on a booted host: the program's user-data installs it, systemd runs it, it
 * registers every slot through the SigV4-verifying function URL (broker double), and runs jobs of
 * the stand-in service under the slots' own uids in transient units, with /proc hidepid=2, each
 * slot with its own rootless docker daemon. It rolls slots over to a new release, deregisters on a
 * spot notice and leaves its group when idle, both through the broker.
 */
describe.runIf(canBootHosts())("the agent on a host booted from the program's user-data", () => {
  let lab: Lab;
  let host: Instance;
  let fu: FunctionUrl;
  let service: RunnerService;
  let broker: BrokerDouble;
  let stack: BrokerStack;
  let first: MirroredRelease;
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "rootless" }, { runnersPerHost: 2 });

  beforeAll(async () => {
    lab = await Lab.start({ asgName: "rf-e2e-pool", bucket: "rf-e2e-pool", tag: "e" });
    stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: 2 });
    ({ service, broker, fu } = stack);
    const rel = buildRelease(SHARED, lab.dir, "2.336.0");
    first = await lab.putRelease("2.336.0", rel);
    const agent = await lab.putAgent(agentBundle().code);
    host = lab.instance("rf-e2e", pool, lab.wiring(agent, { brokerUrl: stack.brokerUrl, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0, manifestCheckSeconds: 2 } }));
    host.boot();
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await stack?.close();
    await lab?.close();
  }, 120_000);

  const until = (what: string, ok: () => boolean, ms?: number) => host.until(what, ok, ms, () => `refused: ${fu.refused.join("; ")}`);


  /** Ends every job waiting for its runner's temp dir to hold `go`, from inside the host. */
  const release = async (): Promise<void> => {
    const r = await host.exec(["sh", "-c", "for d in /var/lib/runner-fleet/slots/*/state/runner/_work/_temp; do touch $d/go 2>/dev/null; done; true"]);
    expect(r.code).toBe(0);
  };
  const WAIT_GO = 'for i in $(seq 1 3000); do [ -e "$RUNNER_TEMP/go" ] && break; sleep 0.1; done';
  const jits = () => stack.jits();

  it("registers both slots through the function URL as the instance role", async () => {
    await until("two runners issued", () => service.runners.length >= 2);
    expect(new Set(service.runners.map((r) => r.slot))).toEqual(new Set([1, 2]));
    expect(fu.refused).toEqual([]);
    expect(broker.calls.every((c) => c.instanceId === lab.world.instanceId)).toBe(true);
  }, 180_000);

  it("runs two concurrent jobs under two uids in transient units; one cannot see the other's argv, environment, HOME or workspace", async () => {
    service.queue.push({ runsOn: [pool.scaleSetName], id: "a", repo: "a", steps: ['setsid sleep 600 < /dev/null > /dev/null 2>&1 & echo $$ > /var/tmp/rf-e2e-a; id -u; cat /proc/self/cgroup; for i in $(seq 1 600); do [ -e "$RUNNER_TEMP/go" ] && break; sleep 0.1; done'] });
    await until("job a running", () => host.has("var/tmp/rf-e2e-a") && host.read("var/tmp/rf-e2e-a").trim() !== "");
    const pid = host.read("var/tmp/rf-e2e-a").trim();
    // Job b tries job a's argv and environment, and the other slot's HOME, workspace and temp.
    const probe = `id -u; cat /proc/${pid}/cmdline > /dev/null 2>&1 && echo SEEN || echo hidden; cat /proc/${pid}/environ > /dev/null 2>&1 && echo SEEN || echo hidden
for d in /var/lib/runner-fleet/slots/*/state; do [ "$d" = "$RUNNER_FLEET_STATE" ] && continue; for x in home runner/_work runner/_work/_temp; do ls "$d/$x" > /dev/null 2>&1 && echo "READ $x" || echo denied; done; done`;
    service.queue.push({ runsOn: [pool.scaleSetName], id: "b", repo: "b", steps: [probe] });
    const b = await service.done("b", 120_000);
    const out = b.outputs.join("").split("\n");
    expect(out.slice(1)).toEqual(["hidden", "hidden", "denied", "denied", "denied", ""]);
    const a = service.runners.find((r) => r.busy);
    expect(a).toBeDefined();
    // Let job a end through its runner's temp dir, from inside the host.
    const touched = await host.exec(["sh", "-c", "for d in /var/lib/runner-fleet/slots/*/state/runner/_work/_temp; do touch $d/go 2>/dev/null; done; true"]);
    expect(touched.code).toBe(0);
    const done = await service.done("a", 120_000);
    const [uidA, ...cgroup] = done.outputs.join("").split("\n");
    expect(Number(uidA)).not.toBe(Number(out[0]));
    expect(Number(uidA)).toBeGreaterThan(0);
    expect(cgroup.join("\n")).toMatch(/rf-slot-\d+-[a-z0-9-]+\.service/);
    // The job's setsid'd leftover went with its unit.
    const left = await host.exec(["sh", "-c", `ps -u ${uidA} -o args= | grep -c 'sleep 600' || true`]);
    expect(left.stdout.trim()).toBe("0");
  }, 300_000);

  it("gives each slot its own rootless docker: builds, containers and a service network work, no slot reaches another's daemon, and what containers wrote goes with the job", async () => {
    service.queue.push({
      runsOn: [pool.scaleSetName],
      id: "d1",
      repo: "d",
      steps: [
        'echo "$RUNNER_FLEET_STATE"; echo "$DOCKER_HOST" > /var/tmp/rf-e2e-dh; chmod 644 /var/tmp/rf-e2e-dh',
        // No registry here: an image from the host's busybox, then a build on top of it, by BuildKit
        // (docker-buildx): Debian 13's docker.io alone builds with the legacy builder and says so.
        String.raw`d=$(mktemp -d); mkdir -p "$d/bin"; cp /bin/busybox "$d/bin/"; for t in sh echo cat nc mkdir touch chown chmod sleep; do ln -s busybox "$d/bin/$t"; done
tar -C "$d" -c . | docker import - rf/busybox >/dev/null
printf 'FROM rf/busybox\nRUN echo built-in-a-build > /built\n' > "$d/Dockerfile"
docker buildx version >/dev/null
docker build -q -t rf/built "$d" >/dev/null 2>"$d/build.err" || { cat "$d/build.err"; exit 1; }
if grep -qi 'legacy builder' "$d/build.err"; then cat "$d/build.err"; exit 1; fi
docker run --rm rf/built cat /built`,
        // As the runner runs service containers: a network, a named container on it, reached by name.
        String.raw`docker network create rf-net >/dev/null
docker run -d --name svc --network rf-net rf/busybox sh -c 'while true; do echo from-service | nc -l -p 8080; done' >/dev/null
for i in $(seq 1 20); do out=$(docker run --rm --network rf-net rf/busybox nc svc 8080 < /dev/null) && [ -n "$out" ] && break; sleep 1; done; echo "$out"`,
        // A container writes files its uid 1000 owns (a subordinate id outside) into the job's tree.
        String.raw`mkdir -p "$RUNNER_TEMP/vol" && docker run --rm -v "$RUNNER_TEMP/vol:/v" rf/busybox sh -c 'mkdir -p /v/x/y && touch /v/x/y/f && chown -R 1000:1000 /v/x && chmod 000 /v/x/y' && stat -c %u "$RUNNER_TEMP/vol/x"`,
        `touch /var/tmp/rf-e2e-d1; ${WAIT_GO}; echo released`,
      ],
    });
    await until("d1 waiting with its containers up", () => host.has("var/tmp/rf-e2e-d1"), 300_000);
    service.queue.push({
      runsOn: [pool.scaleSetName],
      id: "d2",
      repo: "d",
      steps: ['docker ps -q > /dev/null && echo own-daemon; docker --host "$(cat /var/tmp/rf-e2e-dh)" ps > /dev/null 2>&1 && echo REACHED || echo refused; docker image inspect rf/busybox > /dev/null 2>&1 && echo SHARED || echo own-images'],
    });
    expect((await service.done("d2", 180_000)).outputs.join("")).toBe("own-daemon\nrefused\nown-images\n");
    await release();
    const out = (await service.done("d1", 120_000)).outputs.join("").split("\n");
    const slot = SLOT_OF.exec(out[0]!)?.[1];
    expect(slot, out.join("\n")).toBeDefined();
    expect(out.slice(1)).toEqual(["built-in-a-build", "from-service", expect.stringMatching(/^\d+$/), "released", ""]);
    expect(Number(out[3])).toBeGreaterThanOrEqual(100000);
    // The job's unit took its daemon and containers with it; the wipe (in the slot's user
    // namespace) removed what they wrote, subordinate-id files included.
    const svc = await host.shellUntil("ps -eo args= | grep -c '[f]rom-service' || true", (o) => o.trim() === "0");
    expect(svc.trim(), (await host.exec(["ps", "-eo", "pid,uid,cgroup,args"])).stdout).toBe("0");
    // The slot's next runner already has a fresh daemon of its own in state/docker and state/run.
    const base = `/var/lib/runner-fleet/slots/${slot}`;
    const left = `find ${base}/trash ${base}/state -path ${base}/state/docker -prune -o -path ${base}/state/run -prune -o \\( -uid +99999 -o -gid +99999 \\) -print; find ${base}/trash -mindepth 1 | head -n 5`;
    expect(await host.shellUntil(left, (o) => o === "")).toBe("");
  }, 600_000);

  it("a hostile job leaves the host as it was: install unchanged and root-owned, planted links harmless across an agent restart, a 1,500-deep tree wiped", async () => {
    const snapshot = "find /var/lib/runner-fleet/runners -printf '%u:%g %m %s %p\\n' | sort | sha256sum; stat -c '%u:%g %a' /etc/shadow; sha256sum /etc/shadow";
    const before = (await host.exec(["sh", "-c", snapshot])).stdout;
    expect(before).toMatch(/^[0-9a-f]{64} {2}-\n0:\d+ 6[04]0\n/);
    service.queue.push({
      runsOn: [pool.scaleSetName],
      id: "hostile",
      repo: "h",
      steps: [
        "for f in /var/lib/runner-fleet/runners/*/run-helper.sh.template /var/lib/runner-fleet/runners/*/bin/Runner.Listener; do (echo pwned >> \"$f\") 2>/dev/null || true; done; chmod 777 /var/lib/runner-fleet/runners/* 2>/dev/null || true",
        'ln -s /etc/shadow "$HOME/link" && ln -s /etc/shadow "$HOME/.bashrc" && ln -s /etc "$RUNNER_TEMP/dir" && echo planted',
        `cd "$HOME" && ${HOSTILE_TREE_STEP} && echo hostile-done`,
      ],
    });
    expect((await service.done("hostile", 180_000)).outputs.join("")).toMatch(/planted\n(.|\n)*hostile-done/);
    // As after an OOM kill, a reboot or an operator's restart: the agent starts again over what the job left.
    const issued = service.runners.length;
    expect((await host.exec(["systemctl", "restart", "runner-fleet-agent.service"])).code).toBe(0);
    await until("both slots registered after the restart", () => new Set(service.runners.slice(issued).map((r) => r.slot)).size >= 2, 180_000);
    service.queue.push({ runsOn: [pool.scaleSetName], id: "after-hostile", repo: "h", steps: ["cat /etc/shadow > /dev/null 2>&1 && echo READ || echo denied; ls -A \"$HOME\""] });
    expect((await service.done("after-hostile", 120_000)).outputs.join("")).toBe("denied\n");
    expect((await host.exec(["sh", "-c", snapshot])).stdout).toBe(before);
    // Wiped as each slot's user before its next runner: nothing in the trash, no deep tree anywhere.
    // The other slot may still be wiping (in its user namespace) while this job ran: wait for it.
    const left = await host.shellUntil("find /var/lib/runner-fleet/slots/*/trash -mindepth 1 | wc -l; find /var/lib/runner-fleet/slots -name deep | wc -l", (o) => o === "0\n0\n", 120);
    expect(left).toBe("0\n0\n");
  }, 420_000);

  it("rolls over to a release that appears in the mirror: the idle slot moves at once, the busy slot after its job, the old release goes", async () => {
    service.queue.push({ runsOn: [pool.scaleSetName], id: "long", repo: "r", steps: [`${WAIT_GO}; cat "$GITHUB_WORKSPACE/../../../bin/runner-version"`] });
    await until("the long job running", () => service.runners.some((r) => r.busy && !r.deleted));
    const before = jits().length;
    const next = buildRelease(SHARED, lab.dir, "2.337.0");
    await lab.putRelease("2.337.0", next, first);
    await until("the idle slot registered on 2.337.0", () => jits().slice(before).some((j) => j.runnerVersion === "2.337.0"), 120_000);
    const busy = service.runners.filter((r) => r.busy && !r.deleted);
    expect(busy).toHaveLength(1);
    expect(jits().slice(before).filter((j) => j.runnerVersion === "2.337.0").map((j) => j.slot)).not.toContain(busy[0]!.slot);
    await release();
    expect((await service.done("long", 120_000)).outputs.join("")).toBe("2.336.0\n");
    await until("both slots on 2.337.0", () => new Set(jits().slice(before).filter((j) => j.runnerVersion === "2.337.0").map((j) => j.slot)).size === 2, 120_000);
    await until("2.336.0 removed once no slot runs it", () => !host.has("var/lib/runner-fleet/runners/2.336.0"), 60_000);
    service.queue.push({ runsOn: [pool.scaleSetName], id: "on-new", repo: "r", steps: ['cat "$GITHUB_WORKSPACE/../../../bin/runner-version"'] });
    expect((await service.done("on-new", 120_000)).outputs.join("")).toBe("2.337.0\n");
    const st = await host.exec(["stat", "-c", "%u:%g %a", "/var/lib/runner-fleet/runners/2.337.0"]);
    expect(st.stdout.trim()).toBe("0:0 555");
  }, 420_000);

  it("on a spot notice, stops every runner unit and deregisters every runner of the instance", async () => {
    lab.imds.state.spotAction = { action: "terminate", time: new Date(Date.now() + 120_000).toISOString() };
    await until("a deregister of everything", () => broker.calls.some((c) => c.body.action === "deregister" && c.body.runnerIds === undefined), 60_000);
    // A slot that was being issued a runner as the notice came deregisters that one by itself.
    await until("every runner deregistered", () => service.runners.every((r) => r.deleted), 60_000);
    const units = await host.exec(["sh", "-c", "systemctl list-units --all --no-legend 'rf-slot-*' | grep -c running || true"]);
    expect(units.stdout.trim()).toBe("0");
    // Then it leaves through the broker without decrement, so the group replaces it at once; the
    // terminate is signed with the control plane's key (the host role has none).
    const group = lab.asg.groups[0]!;
    await until("the spot host left its group", () => group.instances.length === 0, 60_000);
    expect(broker.calls.filter((c) => c.body.action === "leave").map((c) => c.body)).toEqual([{ v: 1, action: "leave", pool: pool.name, decrement: false, reason: "spot" }]);
    expect(lab.asg.calls.filter((c) => c.Action === "TerminateInstanceInAutoScalingGroup")).toEqual([
      expect.objectContaining({ InstanceId: lab.world.instanceId, ShouldDecrementDesiredCapacity: "false", Caller: "control-plane" }),
    ]);
    expect(group.desired).toBe(1);
    // The next case plays the same instance back in its group.
    group.instances = [lab.world.instanceId];
  }, 120_000);
  it("leaves its group when idle: stays while the group is at its floor (AWS's refusal), leaves with decrement once it may", async () => {
    delete lab.imds.state.spotAction;
    const group = lab.asg.groups[0]!;
    group.min = 1;
    const path = `${host.root}/etc/runner-fleet/agent.json`;
    writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, "utf8")) as object), idleTimeoutSeconds: 3 }));
    const issued = service.runners.length;
    expect((await host.exec(["systemctl", "restart", "runner-fleet-agent.service"])).code).toBe(0);
    await until("both slots registered", () => new Set(service.runners.slice(issued).map((r) => r.slot)).size >= 2, 180_000);
    const terminations = () => lab.asg.calls.filter((c) => c.Action === "TerminateInstanceInAutoScalingGroup" && c.ShouldDecrementDesiredCapacity === "true");
    await until("a leave refused at the floor", () => terminations().length >= 1, 60_000);
    expect(terminations().every((c) => c.Caller === "control-plane")).toBe(true);
    expect(group.instances).toEqual([lab.world.instanceId]);
    expect(group.desired).toBe(1);
    // Staying: the slots register again.
    const refusedAt = service.runners.length;
    await until("registered again after the refusal", () => new Set(service.runners.slice(refusedAt).map((r) => r.slot)).size >= 2, 60_000);
    group.min = 0;
    await until("left the group", () => group.instances.length === 0, 60_000);
    expect(group.desired).toBe(0);
    expect(terminations().at(-1)).toMatchObject({ InstanceId: lab.world.instanceId, ShouldDecrementDesiredCapacity: "true", Caller: "control-plane" });
    expect(broker.calls.filter((c) => c.body.action === "leave").at(-1)!.body).toEqual({ v: 1, action: "leave", pool: pool.name, decrement: true, reason: "idle" });
    expect(service.runners.filter((r) => r.instanceId === lab.world.instanceId).every((r) => r.deleted)).toBe(true);
    expect((await host.shellUntil("systemctl is-active runner-fleet-agent.service", (o) => o.trim() === "inactive", 30)).trim()).toBe("inactive");
  }, 300_000);
});
