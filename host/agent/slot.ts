import { join } from "node:path";
import type { AgentConfig } from "../../protocol/agent-config";
import type { JitAnswer } from "../../protocol/broker";
import { BrokerRefusal, type Broker } from "./broker";
import { dockerEnv, runnerArgv } from "./docker";
import type { Launcher, Running } from "./launcher";
import type { Logger } from "./log";
import { forgetOutsideTree, type OutsidePaths } from "./forget";
import { SlotFs } from "./slotfs";
import type { SlotUser } from "./users";

export interface SlotDeps {
  index: number;
  user: SlotUser;
  fs: SlotFs;
  broker: Broker;
  launcher: Launcher;
  log: Logger;
  ephemeral: boolean;
  hooksDir: string;
  /** The host's git keeper socket for this slot (RUNNER_FLEET_GIT_SOCKET); none: the action clones. */
  gitSocket?: string;
  /** The keeper checks the trees the last job gave back: called when none of its processes is left. */
  settleGit?: () => Promise<void>;
  /** Where cron, at and logind keep what a job could leave outside its tree. */
  outside: OutsidePaths;
  /** The release a slot's next runner uses (changes on rollover; a running job keeps its own). */
  release: () => { version: string; dir: string };
  /** Whether the slot may ask for a runner now (not warming, leaving or stopping). */
  mayRegister: () => boolean;
  stopped: () => boolean;
  /** Extra environment (DOCKER_HOST for the slot's rootless daemon). */
  docker: AgentConfig["docker"];
  onJobDone?: (slot: Slot) => void;
  backoff?: { baseMs: number; maxMs: number };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type SlotPhase = "idle" | "registering" | "listening" | "refused" | "stopped";

/** One runner at a time as the slot's own user, in the slot's own tree; a fresh tree per job when ephemeral. */
export class Slot {
  phase: SlotPhase = "idle";
  runnerId: number | undefined;
  runnerName: string | undefined;
  runningVersion: string | undefined;
  lastActivity = Date.now();
  registeredAt: number | undefined;
  jobs = 0;
  private running: Running | undefined;
  private used = false;
  private seq = 0;
  /** The running runner was stopped on purpose (rollover): its end is not a job done. */
  private retiring = false;

  constructor(readonly d: SlotDeps) {}

  get index(): number {
    return this.d.index;
  }

  busy(): boolean {
    return this.d.fs.busy();
  }

  private async prepare(version: string, dir: string): Promise<void> {
    const fs = this.d.fs;
    // Ephemeral: a fresh tree for every runner, the first after an agent start included. Persistent:
    // the slot keeps its work tree until the release changes under it; HOME, TMPDIR and docker data
    // are fresh for every job all the same.
    const reset = !fs.hasState() || (this.d.ephemeral && (this.used || this.runningVersion === undefined)) || (this.runningVersion !== undefined && this.runningVersion !== version);
    // Whatever the last job left outside the slot's tree (cron, at, lingering) goes before the next.
    const outside = await forgetOutsideTree(this.d.user, this.d.outside);
    if (outside.length) this.d.log.warn("removed what a job left outside its slot", { slot: this.index, removed: outside });
    if (reset) await fs.reset(this.d.user, dir);
    else await fs.forget(this.d.user);
    // Before the runner starts: its end kills every process of the slot's uid, a wipe included.
    // A hostile tree slows only this slot (bounded), never the agent's tick.
    if (!(await fs.wipe(this.d.user))) this.d.log.warn("wipe incomplete; retried next job", { slot: this.index });
    fs.ensureCache(this.d.user);
    // The last runner's end killed every process of the slot's uid: none can touch a tree root checks now.
    await this.d.settleGit?.().catch((e: unknown) => this.d.log.warn("git keeper could not check shelved trees", { slot: this.index, error: e instanceof Error ? e.message : String(e) }));
    this.used = false;
  }

  private env(jit: JitAnswer): Record<string, string> {
    const fs = this.d.fs;
    return {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: fs.home,
      USER: this.d.user.name,
      LOGNAME: this.d.user.name,
      LANG: "C.UTF-8",
      TMPDIR: fs.tmp,
      ACTIONS_RUNNER_INPUT_JITCONFIG: jit.encodedJitConfig,
      // Without it run.sh does not forward SIGTERM to the listener, which keeps running.
      RUNNER_MANUALLY_TRAP_SIG: "1",
      ACTIONS_RUNNER_HOOK_JOB_STARTED: join(this.d.hooksDir, "job-started.sh"),
      ACTIONS_RUNNER_HOOK_JOB_COMPLETED: join(this.d.hooksDir, "job-completed.sh"),
      RUNNER_FLEET_STATE: fs.state,
      // The checkout action shelves finished trees here; the mirror is the keeper's (root's), behind the socket.
      RUNNER_FLEET_CACHE_DIR: fs.cache,
      ...(this.d.gitSocket ? { RUNNER_FLEET_GIT_SOCKET: this.d.gitSocket } : {}),
      ...dockerEnv(this.d.docker, fs.state),
    };
  }

  /** One registration and job: prepare, ask the broker, run, clean up. Returns false when the slot must stop asking. */
  async once(): Promise<boolean> {
    const rel = this.d.release();
    await this.prepare(rel.version, rel.dir);
    this.phase = "registering";
    const jit = await this.d.broker.jit(this.index, rel.version);
    if (this.d.stopped()) {
      // The agent stopped (spot, SIGTERM) while this runner was being issued: no ghost left behind.
      await this.d.broker.deregister([jit.runnerId]).catch(() => undefined);
      return false;
    }
    this.runnerId = jit.runnerId;
    this.runnerName = jit.runnerName;
    this.runningVersion = rel.version;
    this.registeredAt ??= Date.now();
    this.d.log.info("runner registered", { slot: this.index, runnerId: jit.runnerId, runnerName: jit.runnerName, version: rel.version });
    this.phase = "listening";
    this.used = true;
    const fs = this.d.fs;
    this.running = this.d.launcher.start(
      {
        unit: `rf-slot-${this.index}-${(++this.seq).toString(36)}-${Date.now().toString(36)}`,
        user: this.d.user,
        cwd: fs.runnerRoot,
        argv: runnerArgv(this.d.docker, join(fs.runnerRoot, "run.sh"), fs.state),
        ...(this.d.docker === "rootful" ? { groups: ["docker"] } : {}),
        setuidHelpers: this.d.docker === "rootless",
        env: this.env(jit),
        binds: [
          { src: join(rel.dir, "bin"), dst: join(fs.runnerRoot, "bin") },
          { src: join(rel.dir, "externals"), dst: join(fs.runnerRoot, "externals") },
        ],
      },
      (line) => this.d.log.info("runner output", { slot: this.index, line }),
    );
    const code = await this.running.exited;
    this.running = undefined;
    const retired = this.retiring;
    this.retiring = false;
    this.d.log.info(retired ? "runner retired" : "runner exited", { slot: this.index, runnerId: this.runnerId, code });
    this.runnerId = undefined;
    this.runnerName = undefined;
    this.phase = "idle";
    this.lastActivity = Date.now();
    if (!retired) {
      this.jobs++;
      this.d.onJobDone?.(this);
    }
    return true;
  }

  /** Jobs until stopped; retryable refusals back off, others stop this slot's asking and are logged. */
  async loop(): Promise<void> {
    const b = this.d.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    let failures = 0;
    while (!this.d.stopped()) {
      if (!this.d.mayRegister()) {
        await sleep(100);
        continue;
      }
      try {
        await this.once();
        failures = 0;
      } catch (e) {
        this.phase = "idle";
        failures++;
        if (e instanceof BrokerRefusal && !e.retryable) {
          this.phase = "refused";
          this.d.log.error("broker refused this slot; not asking again", { slot: this.index, code: e.code, error: e.message });
          return;
        }
        const wait = e instanceof BrokerRefusal && e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : Math.min(b.maxMs, b.baseMs * 2 ** Math.min(failures - 1, 10));
        this.d.log.warn("slot attempt failed; backing off", { slot: this.index, error: e instanceof Error ? e.message : String(e), waitMs: wait });
        const until = Date.now() + wait;
        while (Date.now() < until && !this.d.stopped()) await sleep(Math.min(100, wait));
      }
    }
    this.phase = "stopped";
  }

  /**
   * An idle runner on an older release: deregistered first (GitHub refuses to delete a runner that
   * has just taken a job, and then it stays), then stopped; the loop registers the next runner on
   * the current release in a fresh tree. Returns whether it was retired.
   */
  async retireIdle(): Promise<boolean> {
    const id = this.runnerId;
    if (this.phase !== "listening" || this.busy() || id === undefined || !this.running) return false;
    const removed = await this.d.broker.deregister([id]);
    if (!removed.includes(id) || this.runnerId !== id) return false;
    this.retiring = true;
    await this.running?.stop();
    return true;
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }
}
