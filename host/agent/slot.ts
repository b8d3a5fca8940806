import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfig } from "./config";
import { chownTree, linkTree } from "./fsutil";
import type { Github } from "./github";
import { JOB_COMPLETED_HOOK, JOB_STARTED_HOOK } from "./hooks";
import type { Logger } from "./log";

export interface SlotDeps {
  cfg: AgentConfig;
  github: Github;
  log: Logger;
  runnerGroupId: number;
  instanceId: string;
  uid: number | undefined;
  gid: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One runner at a time in its own directory; a fresh work directory for every job. */
export class Slot {
  readonly dir: string;
  readonly stateDir: string;
  workDir: string | undefined;
  runnerId: number | undefined;
  lastActivity = Date.now();
  private proc: ChildProcess | undefined;
  private paused = false;
  private seq = 0;
  private configured = false;

  constructor(
    readonly index: number,
    private readonly d: SlotDeps,
  ) {
    this.dir = join(d.cfg.slotsRoot, String(index));
    // Beside, not inside, the runner's directory: GitHub asks that job hooks live outside it.
    this.stateDir = join(d.cfg.slotsRoot, `${index}.state`);
  }

  busy(): boolean {
    return existsSync(join(this.stateDir, "job"));
  }

  prepare(): void {
    linkTree(this.d.cfg.runnerDir, this.dir);
    mkdirSync(this.stateDir, { recursive: true });
    writeFileSync(join(this.stateDir, "job-started.sh"), JOB_STARTED_HOOK, { mode: 0o755 });
    writeFileSync(join(this.stateDir, "job-completed.sh"), JOB_COMPLETED_HOOK, { mode: 0o755 });
    rmSync(join(this.stateDir, "job"), { force: true });
    chownTree(this.dir, this.d.uid, this.d.gid);
    chownTree(this.stateDir, this.d.uid, this.d.gid);
  }

  private name(): string {
    const base = `${this.d.cfg.poolName}-${this.d.instanceId}-${this.index}`;
    return this.d.cfg.ephemeral ? `${base}-${(++this.seq).toString(36)}` : base;
  }

  private newWorkDir(): string {
    const dir = join(this.d.cfg.workRoot, `slot-${this.index}-${Date.now()}-${this.seq}`);
    mkdirSync(dir, { recursive: true });
    chownTree(dir, this.d.uid, this.d.gid);
    return dir;
  }

  private spawnRunner(script: string, args: string[]): Promise<number> {
    const env: NodeJS.ProcessEnv = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: this.d.cfg.runnerUser ? `/home/${this.d.cfg.runnerUser}` : (process.env.HOME ?? "/tmp"),
      LANG: "C.UTF-8",
      RUNNER_FLEET_STATE: this.stateDir,
      ACTIONS_RUNNER_HOOK_JOB_STARTED: join(this.stateDir, "job-started.sh"),
      ACTIONS_RUNNER_HOOK_JOB_COMPLETED: join(this.stateDir, "job-completed.sh"),
      // A persistent runner keeps its work directory between jobs: its hook empties the workspace.
      ...(this.d.cfg.ephemeral ? {} : { RUNNER_FLEET_WIPE_WORKSPACE: "1" }),
    };
    const opts = { cwd: this.dir, env, stdio: ["ignore", "pipe", "pipe"] as ("ignore" | "pipe")[] };
    const proc = spawn(join(this.dir, script), args, this.d.uid === undefined ? opts : { ...opts, uid: this.d.uid, gid: this.d.gid });
    this.proc = proc;
    const forward = (stream: NodeJS.ReadableStream | null) =>
      stream?.on("data", (b: Buffer) => {
        for (const line of b.toString().split("\n").filter(Boolean)) this.d.log.info("runner output", { slot: this.index, line });
      });
    forward(proc.stdout);
    forward(proc.stderr);
    return new Promise((resolve) => {
      proc.on("error", (e) => {
        this.d.log.error("runner failed to start", { slot: this.index, error: e.message });
        resolve(-1);
      });
      proc.on("exit", (code, signal) => {
        this.proc = undefined;
        resolve(code ?? (signal ? 128 : -1));
      });
    });
  }

  /** Non-ephemeral runners register once with config.sh and keep their registration. */
  private async configure(): Promise<void> {
    const token = await this.d.github.registrationToken();
    this.workDir = this.newWorkDir();
    const args = ["--unattended", "--replace", "--disableupdate", "--no-default-labels", "--url", this.d.cfg.githubUrl, "--token", token, "--name", this.name(), "--labels", this.d.cfg.labels.join(","), "--work", this.workDir];
    if (this.d.cfg.runnerGroup) args.push("--runnergroup", this.d.cfg.runnerGroup);
    const code = await this.spawnRunner("config.sh", args);
    if (code !== 0) throw new Error(`config.sh exited ${code}`);
    const settings = JSON.parse(readFileSync(join(this.dir, ".runner"), "utf8").replace(/^\uFEFF/, "")) as { agentId?: number };
    this.runnerId = settings.agentId;
    this.configured = true;
    this.d.log.info("runner configured", { slot: this.index, runnerId: this.runnerId });
  }

  /** One job's worth of runner: mint, run, wipe. */
  private async runOnce(): Promise<void> {
    if (this.d.cfg.ephemeral) {
      const name = this.name();
      this.workDir = this.newWorkDir();
      const jit = await this.d.github.jitConfig(name, this.d.runnerGroupId, this.d.cfg.labels, this.workDir);
      this.runnerId = jit.runnerId;
      this.d.log.info("runner registered", { slot: this.index, name, runnerId: jit.runnerId, workDir: this.workDir });
      const code = await this.spawnRunner("run.sh", ["--jitconfig", jit.encoded]);
      this.d.log.info("runner exited", { slot: this.index, code });
      rmSync(this.workDir, { recursive: true, force: true });
      this.workDir = undefined;
      this.runnerId = undefined;
    } else {
      if (!this.configured) await this.configure();
      const code = await this.spawnRunner("run.sh", []);
      this.d.log.info("runner exited", { slot: this.index, code });
    }
    rmSync(join(this.stateDir, "job"), { force: true });
    this.lastActivity = Date.now();
  }

  /** Runs jobs until paused or stopped; a failing registration backs off instead of spinning. */
  async loop(stopped: () => boolean): Promise<void> {
    let failures = 0;
    while (!stopped()) {
      if (this.paused) {
        await sleep(100);
        continue;
      }
      const started = Date.now();
      try {
        await this.runOnce();
        failures = Date.now() - started < 2000 ? failures + 1 : 0;
      } catch (e) {
        failures++;
        this.d.log.error("slot error", { slot: this.index, error: e instanceof Error ? e.message : String(e) });
      }
      if (failures > 0) await sleep(Math.min(60_000, 500 * 2 ** Math.min(failures, 7)));
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.lastActivity = Date.now();
  }

  /** Ends the runner process, politely first. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill("SIGTERM");
    const done = new Promise<void>((r) => p.once("exit", () => r()));
    const t = setTimeout(() => p.kill("SIGKILL"), 10_000);
    await done;
    clearTimeout(t);
  }

  /** Removes this slot's registration from GitHub (a non-ephemeral runner also forgets it locally). */
  async deregister(): Promise<"deleted" | "busy" | "none"> {
    if (this.runnerId === undefined) return "none";
    const r = await this.d.github.deleteRunner(this.runnerId);
    if (r === "deleted") {
      this.runnerId = undefined;
      if (!this.d.cfg.ephemeral) {
        this.configured = false;
        rmSync(join(this.dir, ".runner"), { force: true });
        try {
          unlinkSync(join(this.dir, ".credentials"));
        } catch {
          // not configured yet
        }
      }
    }
    return r;
  }
}
