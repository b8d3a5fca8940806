import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HostPoolModel } from "../../config/host-model";
import { hostUserData, type HostWiring } from "../../components/aws/host-user-data";
import { MIRROR_MANIFEST_KEY, type MirrorManifest, type MirroredRelease } from "../../protocol/mirror";
import { MOTO_ACCOUNT } from "../helpers/moto";
import { s3Put } from "./aws";
import { putHostPolicies, startWorld, type World } from "./aws-world";
import { standinIam, type StandinIam, type WorldNames } from "../helpers/standin-iam";
import { startBridge, type Bridge } from "./bridge";
import { startBrokerRecorder, type BrokerRecorder } from "./broker-recorder";
import { Instance } from "./container";
import type { Release } from "../standins/runner-listener/service";
import { startAsg, type AsgStandin } from "../standins/asg";
import type { Key } from "../standins/sigv4-verify";
import { startImds, type Imds } from "../standins/imds";
import { createNetPair, IMDS_ADDR, type NetPair } from "./netns";
import { prerequisite } from "../helpers/env";
import { hasMoto } from "../helpers/moto";
import { RUNNER_UPSTREAM } from "./fixture";
import { bootTools, ensureRootfs, suiteOf } from "./rootfs";
import type { DebianOs } from "../../components/aws/host-packages";

export const REGION = "eu-west-1";

/** Whether this machine can boot hosts (root, debootstrap, nspawn, ../shared, moto); says why not. Required in CI. */
export function canBootHosts(): boolean {
  const t = bootTools();
  if (!prerequisite("a booted host (root, debootstrap, systemd-nspawn, ip, flock)", t.ok, `missing: ${t.missing.join(", ")}`)) return false;
  if (!prerequisite("../shared/upstream/actions-runner-2.336.0", existsSync(RUNNER_UPSTREAM), `looked in ${RUNNER_UPSTREAM}`)) return false;
  return hasMoto();
}
const BROKER_PORT = 8080;
const S3_PORT = 4566;
const ASG_PORT = 8083;

/**
 * One booted-host lab: moto (IAM enforced) as S3 and Auto Scaling, the IMDS stand-in, the broker,
 * a network namespace pair with the bridge, and instances booted from the cached Debian root of
 * the pools' OS (Debian 13, the default, unless told otherwise).
 */
export class Lab {
  readonly instances: Instance[] = [];
  private constructor(
    readonly dir: string,
    readonly rootfs: string,
    readonly world: World,
    readonly imds: Imds,
    readonly broker: BrokerRecorder,
    readonly net: NetPair,
    /**
     * Auto Scaling: the host's launch-hook calls and the broker's terminates (moto never checks a
     * group's floor, AWS does: test/standins/asg.ts). Each caller signs with its own key.
     */
    readonly asg: AsgStandin,
    private readonly bridge: Bridge,
    /** The host's rendered policies as moved into this lab; putAgent names the exact agent object. */
    private readonly iam: { names: WorldNames; current: StandinIam },
    /** The control plane's key: the broker side signs a leaving host's terminate with it. */
    readonly controlPlaneKey: Key,
  ) {}

  static async start(o: { asgName: string; bucket: string; withHook?: boolean; tag: string; os?: DebianOs }): Promise<Lab> {
    const rootfs = await ensureRootfs(suiteOf(o.os ?? "debian"));
    // The host role gets what the program renders for a host, not a role of the lab's own.
    const names: WorldNames = { account: MOTO_ACCOUNT, region: REGION, role: `${o.asgName}-host`, asgName: o.asgName, bucket: o.bucket };
    const iam = { names, current: await standinIam(names) };
    const world = await startWorld({ region: REGION, bucket: o.bucket, asgName: o.asgName, ...(o.withHook ? { withHook: true } : {}), hostPolicies: iam.current.hostPolicies });
    const cleanup: (() => Promise<void> | void)[] = [() => world.moto.stop()];
    try {
      const imds = await startImds({ instanceId: world.instanceId, region: REGION, accountId: MOTO_ACCOUNT, role: world.hostRole, creds: world.hostCreds, lifecycle: "InService" });
      cleanup.push(() => imds.close());
      const broker = await startBrokerRecorder({ region: REGION, creds: world.hostCreds, iam: () => iam.current, principal: { accountId: MOTO_ACCOUNT, role: world.hostRole, session: world.instanceId } });
      cleanup.push(() => broker.close());
      const controlPlaneKey = { accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(20).toString("hex") };
      const asg = await startAsg({ region: REGION, host: () => imds.state.creds, controlPlane: controlPlaneKey, iam: iam.current, hostSession: () => `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/${world.hostRole}/${world.instanceId}` });
      cleanup.push(() => asg.close());
      asg.groups.push({ name: o.asgName, min: 0, desired: 1, instances: [world.instanceId], pendingHook: new Set(o.withHook ? [world.instanceId] : []) });
      const net = createNetPair(o.tag);
      cleanup.push(() => net.close());
      const dir = mkdtempSync("/var/tmp/rf-boot-");
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const bridge = await startBridge(
        net,
        [
          { host: IMDS_ADDR, port: 80, target: Number(new URL(imds.url).port) },
          { host: net.hostAddr, port: BROKER_PORT, target: broker.port },
          { host: net.hostAddr, port: S3_PORT, target: Number(new URL(world.moto.endpoint).port) },
          { host: net.hostAddr, port: ASG_PORT, target: Number(new URL(asg.url).port) },
        ],
        join(dir, "bridge"),
      );
      return new Lab(dir, rootfs, world, imds, broker, net, asg, bridge, iam, controlPlaneKey);
    } catch (e) {
      for (const c of cleanup.reverse()) await c();
      throw e;
    }
  }

  /** The program's wiring with the lab's endpoints, as the container reaches them. */
  wiring(agent: { key: string; sha256: string }, extra: Partial<HostWiring> = {}): HostWiring {
    return {
      region: REGION,
      agentS3Uri: `s3://${this.world.bucket}/${agent.key}`,
      agentSha256: agent.sha256,
      brokerUrl: `http://${this.net.hostAddr}:${BROKER_PORT}/`,
      mirror: { bucket: this.world.bucket, manifestKey: MIRROR_MANIFEST_KEY },
      endpoints: { s3: `http://${this.net.hostAddr}:${S3_PORT}`, autoscaling: `http://${this.net.hostAddr}:${ASG_PORT}` },
      ...extra,
    };
  }

  async putAgent(code: string | Buffer): Promise<{ key: string; sha256: string }> {
    const sha256 = createHash("sha256").update(code).digest("hex");
    const key = `agent/${sha256}/agent.js`;
    await s3Put(this.world.admin, this.world.bucket, key, code);
    this.iam.current = await standinIam({ ...this.iam.names, agentKey: key });
    await putHostPolicies(this.world, this.iam.current.hostPolicies);
    return { key, sha256 };
  }

  /** Publishes a release into the mirror as the control plane does (protocol/mirror.ts), keeping the previous one. */
  async putRelease(version: string, t: Pick<Release, "bytes" | "sha256">, previous?: MirroredRelease): Promise<MirroredRelease> {
    const key = `runner/${version}/actions-runner-linux-x64-${version}.tar.gz`;
    await s3Put(this.world.admin, this.world.bucket, key, t.bytes);
    const release: MirroredRelease = {
      version,
      publishedAt: new Date().toISOString(),
      assets: {
        "linux-x64": { key, sha256: t.sha256, size: t.bytes.length },
        // The lab boots x86_64 only; an arm64 entry must exist in a real manifest.
        "linux-arm64": { key: `runner/${version}/actions-runner-linux-arm64-${version}.tar.gz`, sha256: "0".repeat(64), size: 0 },
      },
    };
    const manifest: MirrorManifest = { v: 1, current: release, ...(previous ? { previous } : {}), checkedAt: new Date().toISOString() };
    await s3Put(this.world.admin, this.world.bucket, MIRROR_MANIFEST_KEY, JSON.stringify(manifest));
    return release;
  }

  /** A new instance (its own disk) seeded with the program's user-data for `pool`. */
  instance(name: string, pool: HostPoolModel, wiring: HostWiring, instanceId = this.world.instanceId): Instance {
    const inst = new Instance(join(this.dir, name), this.rootfs, this.net, name);
    inst.seed(instanceId, hostUserData(pool, wiring));
    this.instances.push(inst);
    return inst;
  }

  async close(): Promise<void> {
    for (const i of this.instances) await i.dispose().catch(() => undefined);
    await this.bridge.close().catch(() => undefined);
    this.net.close();
    await this.broker.close();
    await this.asg.close();
    await this.imds.close();
    await this.world.moto.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Milliseconds after the boot began at which the install script's step lines appeared. */
export function installSteps(inst: Instance): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of inst.lines) {
    const m = /runner-fleet-install: step=([a-z-]+) ms=/.exec(l.text);
    if (m && out[m[1]!] === undefined) out[m[1]!] = l.at - inst.bootedAt;
  }
  return out;
}
