import { agentBundle } from "../components/aws/agent-bundle";
import { SHARED } from "../test/helpers/env";
import { poolOf } from "../test/helpers/host-pools";
import { buildRelease, type RunnerService } from "../test/standins/runner-listener/service";
import { startBrokerStack } from "../test/boot/broker-stack";
import type { Instance } from "../test/boot/container";
import { installSteps, Lab } from "../test/boot/harness";

/**
 * `npm run bench:boot` (root, debootstrap, systemd-nspawn, moto): boots the program's real
 * user-data in the booted-host lab and prints each phase, from the host's clock as console lines
 * and broker requests reach it. Cold: a fresh disk (cloud-init installs). Warm: the same disk
 * booted again, as a warm pool's stopped instance is started (install done, the agent enabled).
 * Nothing here is asserted; the README keeps the table.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 2);

interface Sample {
  systemBoot: number;
  cloudInit: number;
  install: number;
  toAgent: number;
  register?: number;
  total?: number;
}

const at = async (i: Instance, re: RegExp, timeoutMs = 180_000): Promise<number> => (await i.waitFor(re, timeoutMs)).at - i.bootedAt;

/** Milliseconds from boot to the broker's answer for the last slot, counting runners issued after `before`. */
async function registered(service: RunnerService, before: number, i: Instance, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const slots = new Set(service.runners.slice(before).map((r) => r.slot));
    if (slots.size >= SLOTS) return Date.now() - i.bootedAt;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: (number | undefined)[]): string => (xs.every((x) => x !== undefined) ? (median(xs as number[]) / 1000).toFixed(2) : "not reached");

async function main(): Promise<void> {
  const lab = await Lab.start({ asgName: "rf-bench", bucket: "rf-bench", tag: "n" });
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "none" }, { runnersPerHost: SLOTS });
  const stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: SLOTS });
  const service = stack.service;
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  try {
    const rel = buildRelease(SHARED, lab.dir, "2.336.0");
    await lab.putRelease("2.336.0", rel);
    const agent = await lab.putAgent(agentBundle().code);
    const wiring = lab.wiring(agent, { brokerUrl: stack.brokerUrl, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } });
    for (let n = 0; n < RUNS; n++) {
      const i = lab.instance(`rf-bench-${n}`, pool, wiring);
      let before = service.runners.length;
      i.boot();
      const ciStart = await at(i, /Cloud-init v\. .* running 'init-local'/);
      const finalStart = await at(i, /Cloud-init v\. .* running 'modules:final'/);
      await at(i, /runner-fleet-install: (step=finished|FAILED)/);
      const steps = installSteps(i);
      const agentAt = await at(i, /Started runner-fleet-agent\.service/);
      const reg = await registered(service, before, i, 30_000);
      cold.push({ systemBoot: ciStart, cloudInit: finalStart - ciStart, install: steps.finished! - steps.checks!, toAgent: agentAt, ...(reg ? { register: reg - agentAt, total: reg } : {}) });
      await i.stop();
      before = service.runners.length;
      i.boot();
      const wAgent = await at(i, /Started runner-fleet-agent\.service/);
      const wreg = await registered(service, before, i, 30_000);
      warm.push({ systemBoot: wAgent, cloudInit: 0, install: 0, toAgent: wAgent, ...(wreg ? { register: wreg - wAgent, total: wreg } : {}) });
      await i.dispose();
      console.error(`run ${n + 1}/${RUNS} done`);
    }
  } finally {
    await stack.close();
    await lab.close();
  }
  const col = (xs: Sample[], k: keyof Sample): string => fmt(xs.map((s) => s[k]));
  console.log(`median of ${RUNS} boots, seconds, ${SLOTS} slots; systemd-nspawn on this machine (${process.arch}), stand-ins on loopback`);
  console.log("| path | system boot | cloud-init | install | boot → agent start | agent start → all slots registered | boot → registered |");
  console.log("|---|---|---|---|---|---|---|");
  console.log(`| cold (fresh disk) | ${col(cold, "systemBoot")} | ${col(cold, "cloudInit")} | ${col(cold, "install")} | ${col(cold, "toAgent")} | ${col(cold, "register")} | ${col(cold, "total")} |`);
  console.log(`| warm (stopped instance started) | ${col(warm, "systemBoot")} | — | — | ${col(warm, "toAgent")} | ${col(warm, "register")} | ${col(warm, "total")} |`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
