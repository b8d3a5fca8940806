import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AgentConfig } from "../../protocol/agent-config";
import type { MirrorManifest } from "../../protocol/mirror";
import { Agent, type AgentDeps } from "../../host/agent/agent";
import { HOST_OUTSIDE, type OutsidePaths } from "../../host/agent/forget";
import { killUid } from "../../host/agent/launcher";
import { Logger } from "../../host/agent/log";
import { prerequisite, SHARED } from "../helpers/env";
import { hasMoto, MOTO_CREDENTIALS, startMoto, type Moto } from "../helpers/moto";
import { startFunctionUrl, type FunctionUrl } from "../standins/function-url";
import { imdsState, startImds, type Imds } from "../standins/imds";
import { scaleSetLabels } from "../../config/scale-set-labels";
import { brokerDouble, buildRelease, RUNNER_UPSTREAM_DIR, startRunnerService, type BrokerDouble, type Release, type RunnerService } from "../standins/runner-listener/service";
import { startAsg, type AsgStandin } from "../standins/asg";
import { standinIam } from "../helpers/standin-iam";
import { startAwsIamProxy, type AwsIamProxy } from "../standins/aws-iam-proxy";

/** pool-a's scale set as registration labels it: its name and the self-hosted labels (amd64). */
export const POOL_A_LABELS = scaleSetLabels("pool-a", { labels: [], arch: "amd64", selfHostedLabels: true });

export function canRunAgent(): boolean {
  if (!prerequisite("root (slot users, setpriv, mount namespaces)", process.getuid?.() === 0, "run as root")) return false;
  if (!prerequisite("../shared/upstream/actions-runner-2.336.0", existsSync(join(SHARED, RUNNER_UPSTREAM_DIR)), `looked in ${SHARED}`)) return false;
  return hasMoto();
}

const asset = (r: Release) => ({ key: `runner/${r.version}/actions-runner-linux-x64-${r.version}.tar.gz`, sha256: r.sha256, size: r.bytes.length });
const release = (r: Release) => ({ version: r.version, publishedAt: new Date().toISOString(), assets: { "linux-x64": asset(r), "linux-arm64": asset(r) } });

/** Everything a host's agent talks to, on 127.0.0.1, and the agent in this process with the process launcher. */
export class World {
  log: string[] = [];
  agents: Agent[] = [];
  exits: number[] = [];
  readonly prefix = `rft${randomBytes(2).toString("hex")}-`;
  readonly root: string;
  /**
   * The agent's cron/at spools and deny files and linger flags, under the test's own directory:
   * the machine's /etc/cron.deny and spools are never touched by a test's slot users.
   */
  readonly outside: OutsidePaths;
  readonly bucket = "rf-mirror";
  private constructor(
    readonly dir: string,
    readonly moto: Moto,
    readonly imds: Imds,
    readonly fu: FunctionUrl,
    readonly service: RunnerService,
    readonly broker: BrokerDouble,
    readonly asg: AsgStandin,
    readonly s3: S3Client,
    readonly slots: number,
    /** The host's S3 calls go through it: authorised with the host role's rendered policies, then moto. */
    readonly aws: AwsIamProxy,
  ) {
    this.root = join(dir, "host-root");
    const at = (p: string) => join(dir, "outside", p);
    this.outside = { spools: HOST_OUTSIDE.spools.map(at), deny: HOST_OUTSIDE.deny.map(at), linger: at(HOST_OUTSIDE.linger) };
    for (const d of [...this.outside.spools, this.outside.linger, ...this.outside.deny.map((f) => dirname(f))]) mkdirSync(d, { recursive: true });
  }

  static async start(o: { slots: number; role?: string }): Promise<World> {
    const dir = mkdtempSync("/var/tmp/rf-agent-test-");
    execFileSync("chmod", ["755", dir]);
    const moto = await startMoto();
    const imds = await startImds(imdsState({ region: "eu-west-1", role: o.role ?? "rf-host-role" }));
    const service = await startRunnerService();
    // The function URL and Auto Scaling authorise with the host policy, the control plane's policy and
    // the broker's function policy (none) the program renders; the broker leaves for the host with the control plane's key.
    const iam = await standinIam({ account: imds.state.accountId, region: "eu-west-1", role: imds.state.role, asgName: "rf-pool-a", bucket: "rf-mirror" });
    const controlPlane = { accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(20).toString("hex") };
    const session = () => `arn:aws:sts::${imds.state.accountId}:assumed-role/${imds.state.role}/${imds.state.instanceId}`;
    const asg = await startAsg({ region: "eu-west-1", host: () => imds.state.creds, controlPlane, iam, hostSession: session });
    const autoscaling = new AutoScalingClient({ region: "eu-west-1", endpoint: asg.url, credentials: controlPlane, maxAttempts: 1 });
    const broker = brokerDouble(service, { pool: "pool-a", labels: POOL_A_LABELS, role: imds.state.role, slots: o.slots, autoscaling });
    const fu = await startFunctionUrl({ region: "eu-west-1", handler: broker.handler, iam });
    fu.principals.push({ ...imds.state.creds, accountId: imds.state.accountId, role: imds.state.role, session: imds.state.instanceId });
    asg.groups.push({ name: "rf-pool-a", min: 0, desired: 2, instances: [imds.state.instanceId], pendingHook: new Set([imds.state.instanceId]) });
    const s3 = new S3Client({ region: "eu-west-1", endpoint: moto.endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
    const aws = await startAwsIamProxy({ moto: moto.endpoint, region: "eu-west-1", account: imds.state.accountId, admin: MOTO_CREDENTIALS, hosts: () => [{ key: imds.state.creds, session: session() }] });
    aws.iam = iam;
    const w = new World(dir, moto, imds, fu, service, broker, asg, s3, o.slots, aws);
    w.makeUsers();
    await s3.send(new CreateBucketCommand({ Bucket: w.bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    return w;
  }

  /**
   * The slot users, made before the agent looks for them (it reuses a user it finds), with uids
   * outside the system range. useradd --system would give the same uids (999 down) that booted
   * hosts' slot users get in their containers, which share this machine's uids: killing this
   * test's slots by uid would then kill a concurrent booted test's jobs, and the reverse.
   */
  private makeUsers(): void {
    const taken = new Set(execFileSync("getent", ["passwd"], { encoding: "utf8" }).split("\n").map((l) => Number(l.split(":")[2])));
    let uid = 61_000 + (randomBytes(2).readUInt16BE(0) % 3_000);
    for (let i = 1; i <= this.slots; i++) {
      while (taken.has(uid)) uid++;
      taken.add(uid);
      execFileSync("useradd", ["--system", "--uid", String(uid), "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", `${this.prefix}${i}`], { stdio: "ignore" });
    }
  }

  releases = new Map<string, Release>();

  /** Builds a release into the mirror and, unless told otherwise, makes it current. */
  async publish(version: string, previous?: Release, current = true): Promise<Release> {
    const rel = buildRelease(SHARED, this.dir, version);
    this.releases.set(version, rel);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: asset(rel).key, Body: rel.bytes }));
    if (current) await this.setManifest(rel, previous);
    return rel;
  }

  async setManifest(cur: Release, previous?: Release): Promise<void> {
    const m: MirrorManifest = { v: 1, current: release(cur), ...(previous ? { previous: release(previous) } : {}), checkedAt: new Date().toISOString() };
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: "runner/manifest.json", Body: JSON.stringify(m) }));
  }

  config(over: Partial<AgentConfig> = {}): AgentConfig {
    return {
      poolName: "pool-a",
      asgName: "rf-pool-a",
      region: "eu-west-1",
      brokerUrl: this.fu.url,
      slots: this.slots,
      ephemeral: true,
      recycleAfterJob: false,
      docker: "none",
      idleTimeoutSeconds: 0,
      root: this.root,
      mirror: { bucket: this.bucket, manifestKey: "runner/manifest.json" },
      workMaxAgeHours: 24,
      tickSeconds: 1,
      manifestCheckSeconds: 300,
      endpoints: { imds: this.imds.url, s3: this.aws.url, autoscaling: this.asg.url },
      ...over,
    };
  }

  agent(over: Partial<AgentConfig> = {}, deps: AgentDeps = {}): Agent {
    const a = new Agent(this.config(over), new Logger((l) => this.log.push(l)), {
      userPrefix: this.prefix,
      exit: (c) => this.exits.push(c),
      mountinfo: () => "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw,hidepid=2\n",
      backoff: { baseMs: 50, maxMs: 500 },
      outside: this.outside,
      ...deps,
    });
    this.agents.push(a);
    return a;
  }

  lines(msg: string): Record<string, unknown>[] {
    return this.log.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
  }

  async until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${this.log.slice(-30).join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    for (const a of this.agents) await a.shutdown("test end").catch(() => undefined);
    for (let i = 1; i <= this.slots; i++) {
      try {
        const uid = Number(execFileSync("id", ["-u", `${this.prefix}${i}`], { encoding: "utf8" }).trim());
        await killUid(uid);
        execFileSync("userdel", [`${this.prefix}${i}`], { stdio: "ignore" });
      } catch {
        // never made
      }
    }
    await Promise.all([this.moto.stop(), this.imds.close(), this.fu.close(), this.service.close(), this.asg.close(), this.aws.close()]);
    // A refusal a test did not take back (agent.test.ts probes one) is a call real hosts would have refused.
    if (this.aws.refused.length > 0) throw new Error(`the host's S3 calls were refused by its rendered policy:\n${this.aws.refused.join("\n")}`);
    // rm(1), not rmSync: a 1,500-deep tree outgrows PATH_MAX.
    execFileSync("rm", ["-rf", "--one-file-system", this.dir]);
  }
}
