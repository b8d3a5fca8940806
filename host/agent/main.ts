import { AGENT_CONFIG_PATH } from "../../protocol/agent-config";
import { Agent } from "./agent";
import { readConfig } from "./config";
import { Logger } from "./log";

/** Entry point: `node agent.js /etc/runner-fleet/agent.json`, run as root by runner-fleet-agent.service. */
async function main(): Promise<void> {
  const path = process.argv[2] ?? AGENT_CONFIG_PATH;
  const log = new Logger();
  const cfg = readConfig(path);
  const agent = new Agent(cfg, log);
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
