import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { JOB_WAIT_METRIC, jobWaitAlarm } from "../../components/control-plane/alarms";
import { controlPlaneBundle } from "../../components/control-plane/bundle";
import { controlPlaneConfig } from "../../components/control-plane/control-plane-config";
import { controlPlanePolicy, UNSCOPABLE_ACTIONS } from "../../components/control-plane/policies";
import { hostPoolModel, type HostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { CONTROL_PLANE_CONFIG_FILE } from "../../protocol/control-plane-config";
import { controlPlaneSizing } from "../../components/control-plane/sizing";
import { configErrorLines, sourceFrom, TOKEN } from "../helpers/config";
import { REPO } from "../helpers/env";

/** A tiny entry that proves bundling and the config contract without the real services. */
const TEST_CONTROL_PLANE_ENTRY = join(REPO, "test/fixtures/control-plane-entry/handler.ts");

const REGION = { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } };
const pool = (o: Record<string, unknown> = {}) => ({ name: "p", arch: "arm64", instanceTypes: ["c7g.large"], capacity: { min: 0, desired: 0, max: 4 }, ...o });
const cfg = (pools: Record<string, unknown>[]) => ({ github: { url: "https://github.com/acme", auth: "token" }, hostPools: pools });

function models(pools: Record<string, unknown>[]): HostPoolModel[] {
  const c = parseStackConfig(sourceFrom(cfg(pools), REGION));
  return c.hostPools.map((p) => hostPoolModel(c, p, "runner-fleet", "test"));
}

describe("pool config keys of the control plane", () => {
  it("defaults docker rootless, no recycling, no warm pool, a 15 min registration deadline and a 10 min wait alarm", () => {
    const [m] = models([pool()]);
    expect(m!.config).toMatchObject({ docker: "rootless", recycleAfterJob: false, warmIdleRunners: 0, registrationDeadlineMinutes: 15, jobWaitAlarmMinutes: 10 });
    expect(m!.config.warmPool).toBeUndefined();
    expect(m!.lifecycleHookName).toBeUndefined();
    expect(models([pool({ warmPool: {} })])[0]!.config.warmPool).toEqual({ size: 1, state: "Stopped" });
  });

  it.each([
    ["rootful docker with several slots", pool({ docker: "rootful", runnersPerHost: 2 }), "hostPools[0].docker", /only with runnersPerHost: 1 and recycleAfterJob: true/],
    ["rootful docker on a kept host", pool({ docker: "rootful", runnersPerHost: 1 }), "hostPools[0].docker", /recycleAfterJob: true/],
    ["recycling a host of several slots", pool({ recycleAfterJob: true, runnersPerHost: 2 }), "hostPools[0].recycleAfterJob", /needs runnersPerHost: 1/],
    ["recycling a persistent runner", pool({ recycleAfterJob: true, runnersPerHost: 1, ephemeral: false }), "hostPools[0].recycleAfterJob", /needs ephemeral: true/],
    ["more warm runners than the pool can hold", pool({ warmIdleRunners: 9, runnersPerHost: 2 }), "hostPools[0].warmIdleRunners", /≤ capacity.max × runnersPerHost \(9 > 8\)/],
    ["a warm pool on spot", pool({ warmPool: { size: 1 }, spot: true }), "hostPools[0].warmPool", /refuses warm pools on groups that request Spot/],
    ["a warm pool over several types", pool({ warmPool: { size: 1 }, instanceTypes: ["c7g.large", "c6g.large"] }), "hostPools[0].instanceTypes", /one instance type/],
    ["an unknown warm pool state", pool({ warmPool: { state: "Frozen" } }), "hostPools[0].warmPool.state", /"Stopped", "Running" or "Hibernated"/],
    ["an unknown docker mode", pool({ docker: "podman" }), "hostPools[0].docker", /"rootless", "rootful" or "none"/],
    ["a registration deadline of a minute", pool({ registrationDeadlineMinutes: 1 }), "hostPools[0].registrationDeadlineMinutes", /2|too small/],
  ])("refuses %s, by key", (_n, p, key, message) => {
    const lines = configErrorLines(cfg([p]), REGION);
    const line = lines.find((l) => l.includes(`runner-fleet:${key}:`));
    expect(line, lines.join("\n")).toBeDefined();
    expect(line).toMatch(message);
  });

  it("accepts rootful docker on one recycled slot", () => {
    expect(configErrorLines(cfg([pool({ docker: "rootful", runnersPerHost: 1, recycleAfterJob: true })]), REGION)).toEqual([]);
  });
});

describe("the control plane's config (its file in the code archive)", () => {
  it("lists pools by name with their scale set, group, bounds and host role, and the smallest wait threshold", () => {
    const ms = models([pool({ name: "zeta", labels: ["b", "a"], jobWaitAlarmMinutes: 20 }), pool({ name: "alpha", labels: ["kernel"], runnerGroup: "kernel", jobWaitAlarmMinutes: 5, warmIdleRunners: 2, runnersPerHost: 2 })]);
    const c = controlPlaneConfig({
      fleet: "runner-fleet-test",
      region: "eu-west-1",
      credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
      bucket: "b",
      githubApiUrl: "https://api.github.com",
      pools: ms.map((pool) => ({ pool, hostRoleArn: `arn:aws:iam::1:role/${pool.name}` })),
    });
    expect(c.pools.map((p) => p.name)).toEqual(["alpha", "zeta"]);
    expect(c.pools[0]).toEqual({
      name: "alpha",
      scaleSetName: "alpha",
      // What is registered: the name, the pool's labels, the self-hosted labels of its arch.
      labels: ["alpha", "kernel", "self-hosted", "linux", "ARM64"],
      runnerGroup: "kernel",
      githubUrl: "https://github.com/acme",
      asgName: "runner-fleet-test-alpha",
      hostRoleArn: "arn:aws:iam::1:role/alpha",
      runnersPerHost: 2,
      minHosts: 0,
      maxHosts: 4,
      warmIdleRunners: 2,
      registrationDeadlineSeconds: 900,
      brokerStates: [],
    });
    expect(c.pools[1]).toMatchObject({ labels: ["zeta", "a", "b", "self-hosted", "linux", "ARM64"], runnerGroup: "default" });
    expect(c.jobWaitAlarmSeconds).toBe(300);
    expect(JSON.stringify(c)).not.toMatch(/ghp_|PRIVATE KEY/);
  });

  it("sizes the functions from the pool count: listener memory per held session, broker timeout per paced registration", () => {
    expect(controlPlaneSizing(2)).toEqual({ broker: { memoryMiB: 512, timeoutSeconds: 300 }, listener: { memoryMiB: 256, timeoutSeconds: 90 } });
    expect(controlPlaneSizing(100).listener.memoryMiB).toBe(448);
    expect(controlPlaneSizing(200)).toEqual({ broker: { memoryMiB: 512, timeoutSeconds: 720 }, listener: { memoryMiB: 640, timeoutSeconds: 90 } });
    // Lambda's ceiling: 15 minutes.
    expect(controlPlaneSizing(1000).broker.timeoutSeconds).toBe(900);
    for (const n of [1, 9, 60, 120, 300]) expect(controlPlaneSizing(n).listener.memoryMiB % 64).toBe(0);
  });

  it("alarms per pool on the metric the control plane writes, at the pool's threshold", () => {
    const [m] = models([pool({ jobWaitAlarmMinutes: 7 })]);
    expect(jobWaitAlarm("runner-fleet-test", m!)).toMatchObject({
      namespace: JOB_WAIT_METRIC.namespace,
      metricName: JOB_WAIT_METRIC.name,
      dimensions: { Fleet: "runner-fleet-test", Pool: "p" },
      statistic: "Minimum",
      period: 60,
      evaluationPeriods: 7,
      threshold: 0,
      treatMissingData: "notBreaching",
    });
  });

  it("gives kms:Decrypt only with a customer key, only through Secrets Manager of the partition", () => {
    const base = { region: "cn-north-1", dnsSuffix: "amazonaws.com.cn", secretArn: "arn:aws-cn:secretsmanager:cn-north-1:1:secret:s", bucketArn: "arn:aws-cn:s3:::b", poolGroups: { arn: "arn:aws-cn:autoscaling:cn-north-1:1:autoScalingGroup:*:autoScalingGroupName/p-*", tags: { "runner-fleet:stack": "s" } }, logGroupArn: "arn:aws-cn:logs:cn-north-1:1:log-group:g" };
    expect(JSON.stringify(controlPlanePolicy(base))).not.toContain("kms:");
    expect(controlPlanePolicy({ ...base, kmsKeyArn: "arn:aws-cn:kms:cn-north-1:1:key/k" }).Statement.at(-1)).toEqual({
      Sid: "DecryptCredential",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: "arn:aws-cn:kms:cn-north-1:1:key/k",
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.cn-north-1.amazonaws.com.cn" } },
    });
    expect(UNSCOPABLE_ACTIONS.every((a) => /^(autoscaling|ec2):Describe/.test(a))).toBe(true);
  });
});

describe("the control plane bundle", () => {
  it("is one CommonJS file exporting the handler, the same bytes every time, with no Pulumi in it", async () => {
    const a = controlPlaneBundle(TEST_CONTROL_PLANE_ENTRY);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.code).not.toMatch(/@pulumi|require\("\.\.?\//);
    // Run it as Lambda would: a fresh module scope, the handler export, the config file beside it.
    const module = { exports: {} as { handler?: (e: unknown) => Promise<unknown> } };
    const taskRoot = mkdtempSync(join(tmpdir(), "cp-task-"));
    writeFileSync(join(taskRoot, CONTROL_PLANE_CONFIG_FILE), JSON.stringify({ v: 1, pools: [{ name: "p" }] }));
    runInNewContext(a.code, { module, exports: module.exports, require, __dirname: taskRoot, process: { env: {} } });
    await expect(module.exports.handler!({ action: "listen" })).resolves.toEqual({ action: "listen", pools: 1 });
  });

  it("changes with its sources and refuses an entry that does not exist", () => {
    const dir = mkdtempSync(join(tmpdir(), "cp-entry-"));
    const entry = join(dir, "handler.ts");
    writeFileSync(entry, 'export const handler = async () => "one";\n');
    const one = controlPlaneBundle(entry);
    expect(controlPlaneBundle(entry)).toBe(one);
    const other = join(dir, "other.ts");
    writeFileSync(other, 'export const handler = async () => "two";\n');
    expect(controlPlaneBundle(other).sha256).not.toBe(one.sha256);
    expect(() => controlPlaneBundle(join(dir, "missing.ts"))).toThrow(/does not exist: host pools need it/);
  });
});
