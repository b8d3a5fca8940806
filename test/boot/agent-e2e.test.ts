import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import { prerequisite, SHARED } from "../helpers/env";
import { hasMoto, MOTO_ACCOUNT } from "../helpers/moto";
import { HOSTILE_TREE_STEP } from "../helpers/hostile-tree";
import { poolOf } from "../helpers/host-pools";
import { startFunctionUrl, type FunctionUrl } from "../standins/function-url";
import { brokerDouble, buildRelease, startRunnerService, type BrokerDouble, type RunnerService } from "../standins/runner-listener/service";
import { startBridge, type Bridge } from "./bridge";
import type { Instance } from "./container";
import type { Tarball } from "./fixture";
import { Lab, REGION } from "./harness";
import { bootTools } from "./rootfs";

/**
 * The agent end to end on a booted host: the program's user-data installs it, systemd runs it, it
 * registers every slot through the SigV4-verifying function URL (broker double), and runs jobs of
 * the stand-in service under the slots' own uids in transient units, with /proc hidepid=2.
 */
function canBoot(): boolean {
  const t = bootTools();
  if (!prerequisite("a booted host (root, debootstrap, systemd-nspawn, ip, flock)", t.ok, `missing: ${t.missing.join(", ")}`)) return false;
  if (!prerequisite("../shared/upstream/actions-runner-2.336.0", existsSync(join(SHARED, "upstream/actions-runner-2.336.0")), "needed for the runner scripts")) return false;
  return hasMoto();
}

describe.runIf(canBoot())("the agent on a host booted from the program's user-data", () => {
  let lab: Lab;
  let host: Instance;
  let fu: FunctionUrl;
  let service: RunnerService;
  let broker: BrokerDouble;
  let bridge: Bridge;
  const pool = poolOf({ os: "ubuntu", arch: "amd64", docker: "none" }, { runnersPerHost: 2 });

  beforeAll(async () => {
    lab = await Lab.start({ asgName: "rf-e2e-pool", bucket: "rf-e2e-pool", tag: "e" });
    service = await startRunnerService();
    broker = brokerDouble(service, { pool: pool.name, role: lab.world.hostRole, slots: 2, serverUrl: `http://${lab.net.hostAddr}:8082/` });
    fu = await startFunctionUrl({ region: REGION, handler: broker.handler });
    fu.principals.push({ ...lab.world.hostCreds, accountId: MOTO_ACCOUNT, role: lab.world.hostRole, session: lab.world.instanceId });
    bridge = await startBridge(
      lab.net,
      [
        { host: lab.net.hostAddr, port: 8081, target: Number(new URL(fu.url).port) },
        { host: lab.net.hostAddr, port: 8082, target: Number(new URL(service.url).port) },
      ],
      join(lab.dir, "bridge-e2e"),
    );
    const rel = buildRelease(SHARED, lab.dir, "2.336.0");
    await lab.putRelease("2.336.0", { file: "", bytes: rel.bytes, sha256: rel.sha256, nodeSha256: "" } satisfies Tarball);
    const agent = await lab.putAgent(agentBundle().code);
    host = lab.instance("rf-e2e", pool, lab.wiring(agent, { brokerUrl: `http://${lab.net.hostAddr}:8081/`, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } }));
    host.boot();
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await bridge?.close().catch(() => undefined);
    await fu?.close();
    await service?.close();
    await lab?.close();
  }, 120_000);

  const until = async (what: string, ok: () => boolean, ms = 120_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}\n${host.tail(80)}\nrefused: ${fu.refused.join("; ")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it("registers both slots through the function URL as the instance role", async () => {
    await until("two runners issued", () => service.runners.length >= 2);
    expect(new Set(service.runners.map((r) => r.slot))).toEqual(new Set([1, 2]));
    expect(fu.refused).toEqual([]);
    expect(broker.calls.every((c) => c.instanceId === lab.world.instanceId)).toBe(true);
  }, 180_000);

  it("runs two concurrent jobs under two uids in transient units; one cannot see the other's processes", async () => {
    service.queue.push({ id: "a", repo: "a", steps: ['setsid sleep 600 < /dev/null > /dev/null 2>&1 & echo $$ > /var/tmp/rf-e2e-a; id -u; cat /proc/self/cgroup; for i in $(seq 1 600); do [ -e "$RUNNER_TEMP/go" ] && break; sleep 0.1; done'] });
    await until("job a running", () => host.has("var/tmp/rf-e2e-a") && host.read("var/tmp/rf-e2e-a").trim() !== "");
    const pid = host.read("var/tmp/rf-e2e-a").trim();
    service.queue.push({ id: "b", repo: "b", steps: [`id -u; cat /proc/${pid}/cmdline > /dev/null 2>&1 && echo SEEN || echo hidden; ls /proc | grep -c '^[0-9]' `] });
    const b = await service.done("b", 120_000);
    const out = b.outputs.join("").split("\n");
    expect(out[1]).toBe("hidden");
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

  it("a hostile job leaves the host as it was: install unchanged and root-owned, planted links harmless across an agent restart, a 1,500-deep tree wiped", async () => {
    const snapshot = "find /var/lib/runner-fleet/runners -printf '%u:%g %m %s %p\\n' | sort | sha256sum; stat -c '%u:%g %a' /etc/shadow; sha256sum /etc/shadow";
    const before = (await host.exec(["sh", "-c", snapshot])).stdout;
    expect(before).toMatch(/^[0-9a-f]{64} {2}-\n0:\d+ 6[04]0\n/);
    service.queue.push({
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
    service.queue.push({ id: "after-hostile", repo: "h", steps: ["cat /etc/shadow > /dev/null 2>&1 && echo READ || echo denied; ls -A \"$HOME\""] });
    expect((await service.done("after-hostile", 120_000)).outputs.join("")).toBe("denied\n");
    expect((await host.exec(["sh", "-c", snapshot])).stdout).toBe(before);
    // Wiped as each slot's user before its next runner: nothing in the trash, no deep tree anywhere.
    const left = await host.exec(["sh", "-c", "find /var/lib/runner-fleet/slots/*/trash -mindepth 1 | wc -l; find /var/lib/runner-fleet/slots -name deep | wc -l"]);
    expect(left.stdout.trim().split("\n")).toEqual(["0", "0"]);
  }, 420_000);

  it("on a spot notice, stops every runner unit and deregisters every runner of the instance", async () => {
    lab.imds.state.spotAction = { action: "terminate", time: new Date(Date.now() + 120_000).toISOString() };
    await until("a deregister of everything", () => broker.calls.some((c) => c.body.action === "deregister" && c.body.runnerIds === undefined), 60_000);
    // A slot that was being issued a runner as the notice came deregisters that one by itself.
    await until("every runner deregistered", () => service.runners.every((r) => r.deleted), 60_000);
    await until("no runner unit left", () => true);
    const units = await host.exec(["sh", "-c", "systemctl list-units --all --no-legend 'rf-slot-*' | grep -c running || true"]);
    expect(units.stdout.trim()).toBe("0");
  }, 120_000);
});
