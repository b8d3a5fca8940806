import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { GitKeeper } from "../../host/agent/git-keeper";
import type { Fixture } from "./fixture";
import type { Job, Step } from "./runner";

/**
 * One EC2 slot as the agent sets it up for the keeper tests: the host's git keeper (this process,
 * root) serving the slot's socket, root's mirror and tree directories, the slot's own 0700 cache,
 * and jobs that run the bundled action as the slot's uid with a fresh HOME each. Between jobs a
 * test calls `keeper.settle(socket)` as the agent does once a runner's processes are gone.
 */
export const SLOT = 2011;

export function expectOk(step: Step): void {
  expect(step.code, step.raw).toBe(0);
  expect(step.errors, step.raw).toEqual([]);
}

export const chown = (p: string, uid: number): void => {
  execFileSync("chown", ["-R", `${uid}:${uid}`, p]);
};

/**
 * A shell script as the slot's uid, the way a job's `run:` step runs; its exit code and output.
 * Asynchronous: the git server and the keeper live in this process's event loop.
 */
export function asSlot(script: string, env: Record<string, string>, cwd = "/"): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("setpriv", ["--reuid", String(SLOT), "--regid", String(SLOT), "--clear-groups", "--", "/bin/sh", "-c", script], {
      cwd,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (b: Buffer) => (out += b.toString()));
    p.stderr.on("data", (b: Buffer) => (out += b.toString()));
    p.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

export type JobOver = { with?: Record<string, string>; github?: Partial<Job["github"]> };

export interface KeeperSlot {
  keeper: GitKeeper;
  socket: string;
  mirrorRoot: string;
  trees: string;
  cache: string;
  /** Root's mirror of acme/<repo> on the fixture's server. */
  mirror(repo?: string): string;
  /** A job on the slot: its own fresh HOME (returned too), the slot's cache and socket, files the slot owns. */
  job(over?: JobOver): Job & { home: string };
  settle(): Promise<void>;
}

export async function keeperSlot(f: Fixture, name = "1"): Promise<KeeperSlot> {
  const slotDir = join(f.tmp, "slots", name);
  mkdirSync(slotDir, { recursive: true, mode: 0o755 });
  const socket = join(slotDir, "git.sock");
  const mirrorRoot = join(slotDir, "git-mirror");
  const trees = join(slotDir, "git-trees");
  const cache = join(slotDir, "cache");
  mkdirSync(cache, { mode: 0o700 });
  chown(cache, SLOT);
  const keeper = new GitKeeper({ servers: [f.server.url] });
  await keeper.serve(socket, { uid: SLOT, gid: SLOT }, mirrorRoot, { root: trees, cache });
  let n = 0;
  return {
    keeper,
    socket,
    mirrorRoot,
    trees,
    cache,
    mirror: (repo = "widgets") => join(mirrorRoot, new URL(f.server.url).host.replace(":", "_"), "acme", `${repo}.git`),
    job(over = {}) {
      n++;
      const home = join(f.tmp, "homes", `${name}-${n}`);
      mkdirSync(home, { recursive: true });
      const j = f.job({ uid: SLOT, ...over, env: { RUNNER_FLEET_GIT_SOCKET: socket, RUNNER_FLEET_CACHE_DIR: cache, HOME: home } });
      chown(join(f.tmp, "runners"), SLOT);
      chown(home, SLOT);
      return { ...j, home };
    },
    settle: () => keeper.settle(socket),
  };
}
