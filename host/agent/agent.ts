import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Aws, defaultEndpoints } from "./aws";
import { scopePath, type AgentConfig } from "./config";
import { sweepWork } from "./fsutil";
import { Github, type GithubCredential } from "./github";
import { DEFAULT_RETRY, type RetryPolicy } from "./http";
import { Imds } from "./imds";
import type { Logger } from "./log";
import { Slot } from "./slot";

function userIds(user: string | null): { uid: number | undefined; gid: number | undefined } {
  if (user === null) return { uid: undefined, gid: undefined };
  const id = (flag: string) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * Owns the host's runner slots: registers them, watches them, sweeps old work, and when every slot
 * has been idle past the timeout deregisters them and takes the host out of its group.
 */
export class Agent {
  private slots: Slot[] = [];
  private stopped = false;
  private leaving = false;
  private instanceId = "";
  private aws: Aws;
  private imds: Imds;
  private loops: Promise<void>[] = [];
  private readonly retry: RetryPolicy;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly log: Logger,
    private readonly exit: (code: number) => void = (c) => process.exit(c),
  ) {
    this.retry = { ...DEFAULT_RETRY, ...cfg.retry };
    this.imds = new Imds(cfg.endpoints.imds, log, this.retry);
    const defaults = defaultEndpoints(cfg.region);
    this.aws = new Aws(
      this.imds,
      cfg.region,
      { secretsManager: cfg.endpoints.secretsManager ?? defaults.secretsManager, autoscaling: cfg.endpoints.autoscaling ?? defaults.autoscaling },
      log,
      this.retry,
    );
  }

  async start(): Promise<void> {
    this.instanceId = await this.imds.instanceId();
    const secret = await this.aws.secretString(this.cfg.secretArn);
    this.log.redact(secret);
    const credential = JSON.parse(secret) as GithubCredential;
    const github = new Github(this.cfg.apiUrl, scopePath(this.cfg.githubUrl), credential, this.log, this.retry);
    const runnerGroupId = await github.runnerGroupId(this.cfg.runnerGroup);
    mkdirSync(this.cfg.workRoot, { recursive: true });
    const { uid, gid } = userIds(this.cfg.runnerUser);
    const deps = { cfg: this.cfg, github, log: this.log, runnerGroupId, instanceId: this.instanceId, uid, gid };
    this.slots = Array.from({ length: this.cfg.slots }, (_, i) => new Slot(i + 1, deps));
    for (const s of this.slots) s.prepare();
    this.log.info("agent started", { instanceId: this.instanceId, slots: this.cfg.slots, labels: this.cfg.labels, runnerGroupId, ephemeral: this.cfg.ephemeral });
    this.loops = this.slots.map((s) => s.loop(() => this.stopped));
  }

  /** One look at the host: old work, a spot notice, idleness. */
  async tick(now = Date.now()): Promise<void> {
    if (this.stopped || this.leaving) return;
    const active = new Set(this.slots.map((s) => s.workDir).filter((d): d is string => d !== undefined));
    for (const path of sweepWork(this.cfg.workRoot, active, this.cfg.workMaxAgeHours * 3600_000, now)) this.log.info("removed stale work", { path });
    if ((await this.imds.get("meta-data/spot/instance-action")) !== undefined) {
      this.log.warn("spot interruption notice");
      await this.shutdown("spot interruption");
      return;
    }
    const idleMs = this.cfg.idleTimeoutSeconds * 1000;
    if (idleMs > 0 && this.slots.length > 0 && this.slots.every((s) => !s.busy() && now - s.lastActivity >= idleMs)) await this.leave();
  }

  /** Deregisters every slot; a slot that took a job meanwhile aborts the leave. */
  private async leave(): Promise<void> {
    this.leaving = true;
    try {
      this.log.info("idle past timeout; leaving", { idleTimeoutSeconds: this.cfg.idleTimeoutSeconds });
      for (const s of this.slots) s.pause();
      for (const s of this.slots) {
        if ((await s.deregister()) === "busy" || s.busy()) {
          this.log.info("a runner took a job; staying");
          for (const x of this.slots) x.resume();
          return;
        }
      }
      await Promise.all(this.slots.map((s) => s.kill()));
      const result = await this.aws.leaveGroup(this.instanceId);
      if (result === "left") {
        this.log.info("left the auto scaling group", { instanceId: this.instanceId });
        this.stopped = true;
        this.exit(0);
        return;
      }
      this.log.info("group is at its minimum size; staying", { instanceId: this.instanceId });
      for (const s of this.slots) s.resume();
    } catch (e) {
      this.log.error("leave failed; staying", { error: e instanceof Error ? e.message : String(e) });
      for (const s of this.slots) s.resume();
    } finally {
      this.leaving = false;
    }
  }

  /** SIGTERM or a spot notice: deregister cleanly so no ghost runner stays behind. */
  async shutdown(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.info("shutting down", { reason });
    for (const s of this.slots) s.pause();
    await Promise.all(
      this.slots.map(async (s) => {
        try {
          await s.deregister();
        } catch (e) {
          this.log.error("deregister failed", { slot: s.index, error: e instanceof Error ? e.message : String(e) });
        }
        await s.kill();
      }),
    );
    // Let the slot loops see the stop and wipe their work; a loop in a back-off sleep is not waited for.
    await Promise.race([Promise.all(this.loops), new Promise((r) => setTimeout(r, 2000))]);
    this.exit(0);
  }
}
