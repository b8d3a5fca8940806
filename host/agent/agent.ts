import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_GIT_SERVERS, type AgentConfig } from "../../protocol/agent-config";
import type { MirrorManifest, MirroredRelease, RunnerPlatform } from "../../protocol/mirror";
import { Aws } from "./aws";
import { Broker } from "./broker";
import { JOB_COMPLETED_HOOK, JOB_STARTED_HOOK } from "./hooks";
import { Imds } from "./imds";
import { installRelease, platformOf, procHidesPids, type Installed } from "./install";
import { denyCronAndAt, HOST_OUTSIDE, type OutsidePaths } from "./forget";
import { GitKeeper } from "./git-keeper";
import { killUid, ProcessLauncher, SystemdLauncher, type Launcher } from "./launcher";
import type { Logger } from "./log";
import { Slot } from "./slot";
import { SlotFs } from "./slotfs";
import { ensureSlotUser, type SlotUser } from "./users";

/** What tests swap; on a host every default holds. */
export interface AgentDeps {
  launcher?: Launcher;
  /** The slot users' names: rf-slot-<n> on a host. */
  userPrefix?: string;
  exit?: (code: number) => void;
  mountinfo?: () => string;
  platform?: RunnerPlatform;
  backoff?: { baseMs: number; maxMs: number };
  now?: () => number;
  /** cron/at spools and deny files and linger flags: the machine's unless a test gives its own root. */
  outside?: OutsidePaths;
}

type Mode = "starting" | "warm" | "serving" | "leaving" | "stopped";

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The host agent: installs the mirrored runner, then keeps one runner per slot registered through
 * the broker. It leaves the group when idle, deregisters on a spot notice or SIGTERM, waits out a
 * warm pool, and rolls slots over to a new release between jobs.
 */
export class Agent {
  readonly imds: Imds;
  readonly broker: Broker;
  readonly aws: Aws;
  slots: Slot[] = [];
  mode: Mode = "starting";
  instanceId = "";
  release: Installed | undefined;
  private releases = new Map<string, Installed>();
  private loops: Promise<void>[] = [];
  private readonly t0: number;
  private allRegisteredLogged = false;
  private lastManifestCheck = 0;
  private ticking = false;
  private prepared: Installed | undefined;
  /** Each slot's user and tree, made by prepare(). */
  private seats: { user: SlotUser; fs: SlotFs }[] = [];
  private hooksDir = "";
  /** Keeps each slot's git mirror as root and fetches into it on the checkout action's request. */
  keeper: GitKeeper | undefined;

  constructor(
    readonly cfg: AgentConfig,
    readonly log: Logger,
    private readonly deps: AgentDeps = {},
  ) {
    this.t0 = Date.now();
    this.imds = new Imds(cfg.endpoints.imds);
    this.broker = new Broker(cfg.brokerUrl, cfg.region, cfg.poolName, this.imds);
    this.aws = new Aws(cfg, this.imds);
  }

  private phase(name: string, fields: Record<string, unknown> = {}): void {
    this.log.info("phase", { phase: name, ms: Date.now() - this.t0, ...fields });
  }

  private async manifest(): Promise<MirrorManifest> {
    const m = JSON.parse((await this.aws.getObject(this.cfg.mirror.bucket, this.cfg.mirror.manifestKey)).toString("utf8")) as MirrorManifest;
    if (m.v !== 1 || !m.current?.version) throw new Error("the mirror manifest is not v1 or has no current release");
    return m;
  }

  private fetch(key: string): Promise<Buffer> {
    return this.aws.getObject(this.cfg.mirror.bucket, key);
  }

  private async install(rel: MirroredRelease, fetch: (key: string) => Promise<Buffer> = (k) => this.fetch(k)): Promise<Installed> {
    const known = this.releases.get(rel.version);
    if (known) return known;
    const inst = await installRelease({ root: this.cfg.root, release: rel, platform: this.deps.platform ?? platformOf(), fetch });
    this.releases.set(rel.version, inst);
    return inst;
  }

  private writeHooks(): string {
    const dir = join(this.cfg.root, "hooks");
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(this.cfg.root, 0o755);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "job-started.sh"), JOB_STARTED_HOOK, { mode: 0o755 });
    writeFileSync(join(dir, "job-completed.sh"), JOB_COMPLETED_HOOK, { mode: 0o755 });
    return dir;
  }

  /**
   * Everything a host needs before it may serve, the same whatever its lifecycle state: the mirror's
   * current release installed, the hooks and the slot users. Idempotent; the install script runs it
   * (`agent.js --prepare`) with the tarball it already fetched, so the agent's first start finds it
   * done. `tarball` is checked against the manifest's SHA-256 like a download.
   */
  async prepare(tarball?: string): Promise<Installed> {
    if (this.prepared) return this.prepared;
    const mountinfo = (this.deps.mountinfo ?? (() => readFileSync("/proc/self/mountinfo", "utf8")))();
    if (this.cfg.slots > 1 && !procHidesPids(mountinfo)) throw new Error("/proc is not mounted hidepid=2: slots could read each other's processes");
    mkdirSync(this.cfg.root, { recursive: true, mode: 0o755 });
    const current = (await this.manifest()).current;
    const asset = current.assets[this.deps.platform ?? platformOf()];
    const local = tarball ? readFileSync(tarball) : undefined;
    const inst = await this.install(current, local && asset ? (key) => (key === asset.key ? Promise.resolve(local) : this.fetch(key)) : undefined);
    this.lastManifestCheck = Date.now();
    this.hooksDir = this.writeHooks();
    const prefix = this.deps.userPrefix ?? "rf-slot-";
    this.seats = [];
    for (let i = 1; i <= this.cfg.slots; i++) {
      const fs = new SlotFs(this.cfg.root, i);
      const user = await ensureSlotUser(`${prefix}${i}`, fs.home, this.cfg.docker === "rootless");
      denyCronAndAt(user.name, (this.deps.outside ?? HOST_OUTSIDE).deny);
      this.seats.push({ fs, user });
    }
    this.prepared = inst;
    return inst;
  }

  /** Prepare (unless the install script did), then register unless warming. Throws after reporting install-failed. */
  async start(): Promise<void> {
    this.phase("agent-start");
    let lifecycle: string;
    try {
      this.instanceId = await this.imds.instanceId();
      lifecycle = (await this.imds.get("meta-data/autoscaling/target-lifecycle-state")) ?? "InService";
      this.release = await this.prepare();
      const launcher = this.deps.launcher ?? (isSystemd() ? new SystemdLauncher() : new ProcessLauncher());
      this.keeper = new GitKeeper({ servers: this.cfg.gitServers ?? [...DEFAULT_GIT_SERVERS], log: (msg, fields) => this.log.info(msg, fields) });
      for (const [n, { user, fs }] of this.seats.entries()) {
        await this.keeper.serve(fs.gitSocket, user, fs.gitMirror, { root: fs.gitTrees, cache: fs.cache });
        const keeper = this.keeper;
        this.slots.push(
          new Slot({
            index: n + 1,
            user,
            fs,
            broker: this.broker,
            launcher,
            log: this.log,
            ephemeral: this.cfg.ephemeral,
            docker: this.cfg.docker,
            hooksDir: this.hooksDir,
            gitSocket: fs.gitSocket,
            settleGit: () => keeper.settle(fs.gitSocket),
            outside: this.deps.outside ?? HOST_OUTSIDE,
            release: () => this.release!,
            mayRegister: () => this.mode === "serving",
            stopped: () => this.mode === "stopped",
            onJobDone: () => this.onJobDone(),
            ...(this.deps.backoff ? { backoff: this.deps.backoff } : {}),
          }),
        );
      }
    } catch (e) {
      this.log.error("install failed", { error: errText(e) });
      await this.broker.report("install-failed", errText(e)).catch((r: unknown) => this.log.error("could not report install-failed", { error: errText(r) }));
      throw e;
    }
    this.phase("installed", { version: this.release.version, lifecycle });
    await this.broker.report("install-done", this.release.version).catch((e: unknown) => this.log.warn("report failed", { error: errText(e) }));
    if (this.cfg.warmPool) {
      // Warmed:* and InService both pass the launch hook: complete it once installed.
      await this.aws
        .completeLaunchHook(this.cfg.warmPool.hookName, this.cfg.asgName, this.instanceId)
        .then(() => this.phase("lifecycle-hook-completed", { lifecycle }))
        .catch((e: unknown) => this.log.warn("CompleteLifecycleAction failed", { error: errText(e) }));
    }
    this.mode = lifecycle.startsWith("Warmed:") ? "warm" : "serving";
    if (this.mode === "warm") this.phase("warm", { lifecycle });
    this.loops = this.slots.map((s) => s.loop());
  }

  private onJobDone(): void {
    if (!this.cfg.recycleAfterJob || this.mode === "stopped") return;
    void this.recycle();
  }

  /** One VM per job: the job is done, the host leaves (replaced if the group is at its floor). */
  private async recycle(): Promise<void> {
    this.mode = "leaving";
    this.log.info("job done; recycling the host");
    await this.broker.deregister().catch((e: unknown) => this.log.warn("deregister failed", { error: errText(e) }));
    for (;;) {
      try {
        // At the floor the group must replace the host: asked again without decrement.
        let r = await this.broker.leave("recycle", true);
        if (r === "below-minimum") r = await this.broker.leave("recycle", false);
        this.log.info("left the group", { result: r });
        this.mode = "stopped";
        (this.deps.exit ?? process.exit)(0);
        return;
      } catch (e) {
        this.log.error("leaving through the broker failed; retrying", { error: errText(e) });
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
  }

  /** One look at the host. Each step is isolated: one failing never stops the others or the next tick. */
  async tick(): Promise<void> {
    if (this.ticking || this.mode === "stopped" || this.mode === "starting") return;
    this.ticking = true;
    try {
      for (const [name, step] of [
        ["spot", () => this.checkSpot()],
        ["lifecycle", () => this.checkLifecycle()],
        ["registered", async () => this.checkRegistered()],
        ["idle", () => this.checkIdle()],
        ["rollover", () => this.checkRollover()],
        ["releases", async () => this.dropUnusedReleases()],
        ["work", () => this.sweepWork()],
      ] as const) {
        if ((this.mode as Mode) === "stopped") return;
        try {
          await step();
        } catch (e) {
          this.log.error("tick step failed", { step: name, error: errText(e) });
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private async checkSpot(): Promise<void> {
    const notice = await this.imds.get("meta-data/spot/instance-action");
    if (notice === undefined) return;
    this.log.warn("spot interruption notice", { notice });
    await this.broker.report("spot-interruption", notice).catch((e: unknown) => this.log.warn("report failed", { error: errText(e) }));
    // EC2 takes the instance within two minutes anyway: leaving now, without decrement, starts
    // the group's replacement at once instead of after the reclaim.
    await this.shutdown("spot interruption", () => this.broker.leave("spot", false));
  }

  private async checkLifecycle(): Promise<void> {
    if (this.mode !== "warm") return;
    const state = await this.imds.get("meta-data/autoscaling/target-lifecycle-state");
    if (state === "InService") {
      this.phase("in-service");
      this.mode = "serving";
    }
  }

  private checkRegistered(): void {
    if (this.allRegisteredLogged || this.mode !== "serving") return;
    if (this.slots.every((s) => s.registeredAt !== undefined)) {
      this.allRegisteredLogged = true;
      this.phase("all-slots-registered", { slots: this.slots.length, lastMs: Math.max(...this.slots.map((s) => s.registeredAt! - this.t0)) });
      void this.broker.report("registered", `${this.slots.length} slots`).catch(() => undefined);
    }
  }

  private idleFor(now: number): number {
    if (this.slots.some((s) => s.busy() || s.phase === "registering")) return 0;
    return now - Math.max(...this.slots.map((s) => s.lastActivity));
  }

  /** Idle past the timeout: deregister, then leave with decrement; stay at the floor, abort if a slot turns busy. */
  private async checkIdle(): Promise<void> {
    const t = this.cfg.idleTimeoutSeconds * 1000;
    const now = (this.deps.now ?? Date.now)();
    if (t <= 0 || this.mode !== "serving" || this.cfg.recycleAfterJob || this.idleFor(now) < t) return;
    this.mode = "leaving";
    this.log.info("idle past timeout; leaving", { idleTimeoutSeconds: this.cfg.idleTimeoutSeconds });
    try {
      const ids = this.slots.map((s) => s.runnerId).filter((x): x is number => x !== undefined);
      const removed = ids.length ? await this.broker.deregister(ids) : [];
      if (removed.length < ids.length || this.slots.some((s) => s.busy())) {
        this.log.info("a runner took a job while leaving; staying", { asked: ids, removed });
        this.mode = "serving";
        return;
      }
      await this.broker.report("leaving", "idle").catch(() => undefined);
      await Promise.all(this.slots.map((s) => s.stop()));
      const r = await this.broker.leave("idle", true);
      if (r === "left") {
        this.log.info("left the auto scaling group");
        this.mode = "stopped";
        (this.deps.exit ?? process.exit)(0);
        return;
      }
      this.log.info("the group is at its minimum size; staying");
      for (const s of this.slots) s.lastActivity = Date.now();
      this.mode = "serving";
    } catch (e) {
      this.log.error("leave failed; staying and retrying later", { error: errText(e) });
      for (const s of this.slots) s.lastActivity = Date.now();
      this.mode = "serving";
    }
  }

  /**
   * A newer current release: install it; a slot takes it at its next registration, and an idle
   * slot still listening on an older one is retired now (never one running a job), so no runner
   * sits on a release until GitHub's window closes. Old releases go when unused.
   */
  private async checkRollover(): Promise<void> {
    if (Date.now() - this.lastManifestCheck >= this.cfg.manifestCheckSeconds * 1000 || this.forceManifestCheck) {
      this.forceManifestCheck = false;
      this.lastManifestCheck = Date.now();
      const m = await this.manifest();
      if (this.release && m.current.version !== this.release.version) {
        const inst = await this.install(m.current);
        this.log.info("runner rollover", { from: this.release.version, to: inst.version });
        this.release = inst;
        await this.broker.report("runner-rollover", inst.version).catch(() => undefined);
      }
    }
    const current = this.release?.version;
    if (this.mode !== "serving" || !current) return;
    for (const s of this.slots) {
      if (s.runningVersion === undefined || s.runningVersion === current) continue;
      const from = s.runningVersion;
      if (await s.retireIdle()) this.log.info("idle slot rolled over", { slot: s.index, from, to: current });
    }
  }

  /** Persistent slots keep their work trees between jobs: ones untouched past workMaxAgeHours go (an idle slot only). */
  private async sweepWork(): Promise<void> {
    if (this.cfg.ephemeral || this.cfg.workMaxAgeHours <= 0) return;
    for (const s of this.slots) {
      if (s.busy() || s.phase !== "listening") continue;
      if (!(await s.d.fs.sweepWork(s.d.user, this.cfg.workMaxAgeHours * 60))) this.log.warn("work sweep incomplete", { slot: s.index });
    }
  }

  /** A release no slot runs any more, and not current, goes (GitHub refuses it 30 days after the next one anyway). */
  private dropUnusedReleases(): void {
    for (const [version, inst] of this.releases) {
      if (version === this.release?.version || this.slots.some((s) => s.runningVersion === version)) continue;
      rmSync(inst.dir, { recursive: true, force: true });
      this.releases.delete(version);
      this.log.info("removed runner release", { version });
    }
  }

  /** Tests: look at the manifest on the next tick instead of in five minutes. */
  forceManifestCheck = false;

  /** SIGTERM or a spot notice: deregister every slot through the broker, stop the runners; then `leave`, if given. */
  async shutdown(reason: string, leave?: () => Promise<unknown>): Promise<void> {
    if (this.mode === "stopped") return;
    this.mode = "stopped";
    this.log.info("shutting down", { reason });
    // Runners first (their loops then ask for no more), then one deregister for everything issued.
    await Promise.all(this.slots.map((s) => s.stop().catch(() => undefined)));
    await Promise.race([Promise.all(this.loops), new Promise((r) => setTimeout(r, 5000))]);
    // A slot's uid runs nothing once the agent stops (a wipe or setup in flight included).
    await Promise.all(this.slots.map((s) => killUid(s.d.user.uid).catch(() => undefined)));
    await this.keeper?.close();
    await this.broker.deregister().then(
      (removed) => this.log.info("deregistered", { removed }),
      (e: unknown) => this.log.error("deregister failed", { error: errText(e) }),
    );
    if (leave) {
      await leave().then(
        (result) => this.log.info("left the group", { result }),
        (e: unknown) => this.log.error("leaving through the broker failed", { error: errText(e) }),
      );
    }
    (this.deps.exit ?? process.exit)(0);
  }
}

function isSystemd(): boolean {
  try {
    return readFileSync("/proc/1/comm", "utf8").trim() === "systemd";
  } catch {
    return false;
  }
}
