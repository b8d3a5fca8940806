import { AGENT_CONFIG_PATH } from "../../protocol/agent-config";
import { Agent } from "./agent";
import { readConfig } from "./config";
import { Logger } from "./log";

/**
 * `node agent.js [config]`: the agent, run as root by runner-fleet-agent.service.
 * `node agent.js --prepare [config] [runner.tar.gz]`: the install script's step, before the agent
 * first starts: install the mirrored release (from the tarball it already fetched) and the slot
 * users, then exit, so the agent's first start goes straight to registering.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const prepare = args[0] === "--prepare";
  if (prepare) args.shift();
  const path = args[0] ?? AGENT_CONFIG_PATH;
  const log = new Logger();
  const cfg = readConfig(path);
  const agent = new Agent(cfg, log);
  if (prepare) {
    const inst = await agent.prepare(args[1]);
    log.info("prepared", { version: inst.version, slots: cfg.slots });
    return;
  }
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => void agent.shutdown(sig));
  await agent.start();
  const tick = async (): Promise<void> => {
    await agent.tick().catch((e: unknown) => log.error("tick failed", { error: e instanceof Error ? e.message : String(e) }));
    setTimeout(() => void tick(), cfg.tickSeconds * 1000);
  };
  void tick();
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "agent failed", error: e instanceof Error ? e.message : String(e) }) + "\n");
  process.exit(1);
});
