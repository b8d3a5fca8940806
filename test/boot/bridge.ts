import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { buildSync } from "esbuild";
import type { NetPair } from "./netns";

/** Where the container reaches a service, and the 127.0.0.1 port in this process that serves it. */
export interface Route {
  host: string;
  port: number;
  target: number;
}

export interface Bridge {
  close(): Promise<void>;
}

/**
 * Makes 127.0.0.1 servers of the test reachable from the container at the host side's addresses:
 * unix sockets here (a socket file crosses network namespaces), and relay.ts inside the host-side
 * namespace turning the container's TCP connections into connections to those sockets.
 */
export async function startBridge(net: NetPair, routes: Route[], dir: string): Promise<Bridge> {
  mkdirSync(dir, { recursive: true });
  const servers: Server[] = [];
  const spec = await Promise.all(
    routes.map(async (r, i) => {
      const socket = join(dir, `r${i}.sock`);
      const server = createServer((inbound) => {
        const out = connect(r.target, "127.0.0.1");
        inbound.pipe(out).pipe(inbound);
        const end = (): void => {
          inbound.destroy();
          out.destroy();
        };
        inbound.on("error", end);
        out.on("error", end);
      });
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socket, resolve));
      servers.push(server);
      return { host: r.host, port: r.port, socket };
    }),
  );
  const relay = join(dir, "relay.js");
  buildSync({ entryPoints: [join(__dirname, "relay.ts")], bundle: true, platform: "node", target: "node24", format: "cjs", outfile: relay, logLevel: "silent" });
  const proc: ChildProcess = spawn("ip", ["netns", "exec", net.host, process.execPath, relay, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${err}`)), 10_000);
    proc.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited ${code}: ${err}`));
    });
  });
  return {
    async close() {
      if (proc.exitCode === null) {
        await new Promise<void>((resolve) => {
          proc.once("exit", () => resolve());
          proc.kill("SIGTERM");
        });
      }
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
