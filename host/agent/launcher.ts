import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SlotUser } from "./users";

/** One runner process tree for one job, as one slot's user. */
export interface RunSpec {
  unit: string;
  user: SlotUser;
  cwd: string;
  argv: string[];
  /** Carries the JIT config: never put on a command line. */
  env: Record<string, string>;
  /** Read-only bind mounts (the release's bin/ and externals/ over the slot's runner root). */
  binds: { src: string; dst: string }[];
  /** Supplementary groups by name (docker, for the one rootful slot); none otherwise. */
  groups?: string[];
  /** Rootless docker needs newuidmap/newgidmap (setuid or file caps): no NoNewPrivileges then. */
  setuidHelpers?: boolean;
}

export interface Running {
  /** The runner's exit code once every process of the job is gone. */
  exited: Promise<number>;
  /** SIGTERM (run.sh forwards it as SIGINT with RUNNER_MANUALLY_TRAP_SIG), then SIGKILL to all that remains. */
  stop(graceMs?: number): Promise<void>;
}

export interface Launcher {
  start(spec: RunSpec, onLine: (line: string) => void): Running;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every process whose real uid is the slot's: the job's leftovers, setsid or not. */
export function pidsOf(uid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, "utf8"));
      if (m && Number(m[1]) === uid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function killUid(uid: number): Promise<void> {
  if (uid === 0) throw new Error("refusing to kill uid 0's processes");
  for (let i = 0; i < 20; i++) {
    const pids = pidsOf(uid);
    if (pids.length === 0) return;
    for (const p of pids) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // gone
      }
    }
    await sleep(50);
  }
}

function gidOf(group: string): string {
  const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(`${group}:`));
  if (!line) throw new Error(`no group ${group}`);
  return line.split(":")[2]!;
}

function lines(p: ChildProcess, onLine: (l: string) => void): void {
  for (const s of [p.stdout, p.stderr]) {
    let buf = "";
    s?.on("data", (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const l of parts) if (l) onLine(l);
    });
  }
}

/**
 * Without systemd (tests, containers): a private mount namespace for the binds, setpriv to the
 * slot's user, and at the end every process of that uid killed (a slot's uid runs nothing else).
 */
export class ProcessLauncher implements Launcher {
  start(spec: RunSpec, onLine: (line: string) => void): Running {
    const binds = spec.binds.flatMap((b) => [b.src, b.dst]);
    const script = `set -e
u=$1 g=$2 cwd=$3 n=$4; shift 4
i=0
while [ $i -lt $n ]; do
  src=$1 dst=$2; shift 2
  [ -d "$dst" ] && [ ! -L "$dst" ] || { echo "mount point $dst is not a plain directory" >&2; exit 97; }
  mount --bind -o ro "$src" "$dst"
  i=$((i + 1))
done
cd "$cwd"
if [ -n "$RF_GROUPS" ]; then exec setpriv --reuid "$u" --regid "$g" --groups "$RF_GROUPS" -- "$@"; fi
exec setpriv --reuid "$u" --regid "$g" --clear-groups -- "$@"`;
    const args = ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", String(spec.user.uid), String(spec.user.gid), spec.cwd, String(spec.binds.length), ...binds, ...spec.argv];
    const groups = (spec.groups ?? []).map(gidOf).join(",");
    const p = spawn("unshare", args, { env: { ...spec.env, RF_GROUPS: groups }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    lines(p, onLine);
    const exited = new Promise<number>((resolve) => {
      p.once("error", () => resolve(-1));
      p.once("close", (code, signal) => {
        void killUid(spec.user.uid).then(() => resolve(code ?? (signal ? 128 : -1)));
      });
    });
    return {
      exited,
      async stop(graceMs = 10_000) {
        try {
          if (p.pid) process.kill(-p.pid, "SIGTERM");
        } catch {
          // already gone
        }
        const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!done) await killUid(spec.user.uid);
        await exited;
      },
    };
  }
}

/**
 * On a host: a transient service per runner (its own cgroup; KillMode=control-group kills every
 * process of the job when it ends or is stopped), the JIT config in a root-only EnvironmentFile
 * systemd reads before dropping to the slot's user, never in argv.
 */
export class SystemdLauncher implements Launcher {
  constructor(private readonly runDir = "/run/runner-fleet") {}

  args(spec: RunSpec, envFile: string): string[] {
    return [
      `--unit=${spec.unit}`,
      "--wait",
      "--collect",
      "--quiet",
      "--service-type=exec",
      `--uid=${spec.user.uid}`,
      `--gid=${spec.user.gid}`,
      `--working-directory=${spec.cwd}`,
      "--property=KillMode=control-group",
      "--property=TimeoutStopSec=30",
      ...(spec.setuidHelpers ? [] : ["--property=NoNewPrivileges=yes"]),
      ...(spec.groups?.length ? [`--property=SupplementaryGroups=${spec.groups.join(" ")}`] : []),
      `--property=EnvironmentFile=${envFile}`,
      ...spec.binds.map((b) => `--property=BindReadOnlyPaths=${b.src}:${b.dst}`),
      "--",
      ...spec.argv,
    ];
  }

  start(spec: RunSpec, onLine: (line: string) => void): Running {
    mkdirSync(this.runDir, { recursive: true, mode: 0o700 });
    const envFile = join(this.runDir, `${spec.unit}.env`);
    writeFileSync(envFile, Object.entries(spec.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });
    const p = spawn("systemd-run", this.args(spec, envFile), { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    lines(p, onLine);
    const exited = new Promise<number>((resolve) => {
      p.once("error", () => resolve(-1));
      p.once("close", (code) => {
        rmSync(envFile, { force: true });
        void killUid(spec.user.uid).then(() => resolve(code ?? -1));
      });
    });
    return {
      exited,
      async stop() {
        await new Promise<void>((r) => spawn("systemctl", ["stop", spec.unit], { stdio: "ignore" }).once("close", () => r()));
        await exited;
      },
    };
  }
}
