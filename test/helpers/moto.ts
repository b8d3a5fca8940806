import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { hasCommand } from "./env";

/**
 * moto_server (moto 5.x, Debian image's python3) on 127.0.0.1: the AWS stand-in nobody here wrote.
 * One server per test file; `reset()` between tests empties every service.
 */
export interface Moto {
  endpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function hasMoto(): boolean {
  return hasCommand("moto_server", "python3 with moto[server] (in this machine image)");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(endpoint: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** `env`: moto's settings, e.g. INITIAL_NO_AUTH_ACTION_COUNT to verify signatures and IAM policies. */
export async function startMoto(timeoutMs = 20_000, env: Record<string, string> = {}): Promise<Moto> {
  const port = await freePort();
  const proc = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitReady(endpoint, proc, timeoutMs);
  } catch (e) {
    proc.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
        setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
      }),
  };
}

/** Static credentials moto accepts; AWS SDK v3 clients in tests take these and the moto endpoint. */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
export const MOTO_ACCOUNT = "123456789012";
