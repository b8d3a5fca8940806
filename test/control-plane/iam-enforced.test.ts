import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { CreateSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../components/aws/policy-document";
import { createAwsClients } from "../../control-plane/aws/clients";
import { createLogger } from "../../control-plane/aws/log";
import { CONTROL_PLANE_IAM_ACTIONS } from "../../control-plane/iam-actions";
import { route } from "../../control-plane/router";
import { scaleSetParts } from "../../control-plane/runtime/scale-set-parts";
import { createServices } from "../../control-plane/runtime/services";
import { authorize } from "../helpers/iam";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { documentMutants } from "../helpers/policy-mutations";
import type { StandinIam } from "../helpers/standin-iam";
import type { IamCallRecord } from "../standins/aws-iam-proxy";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { BUCKET, CANARY_TOKEN, pool, REGION, sessionArn, setUpFleet, urlEvent, type MotoFleet } from "./fleet";

/**
 * The control plane under the policy the program renders for it, end to end: its real paths (a
 * scheduled run: listener, reaper, mirror; a host's JIT request; a host leaving) through the
 * IAM-enforcing proxy in front of moto (test/standins/aws-iam-proxy.ts); what the policy must not
 * grant refused as AWS refuses it; and every single removal from the rendered policy refusing a
 * call these paths make, or admitting one they must not.
 */
describe.runIf(hasMoto())("the control plane under its rendered IAM policy", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  let fleet: MotoFleet;
  let iam: StandinIam;
  let services: ReturnType<typeof createServices>;
  const lines: string[] = [];
  /** The IAM requests the real paths made (recorded by the proxy), each allowed. */
  let paths: IamCallRecord[] = [];
  /** Requests the policy must refuse, each refused when probed. */
  const mustRefuse: (IamCallRecord & { what: string })[] = [];

  const ctx = { getRemainingTimeInMillis: () => 23_000 };
  const scheduled = () => route({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }, ctx, services) as Promise<{ listener: { pools: { errors: string[] }[] } }>;
  const desired = async (asg: string) => (await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }))).AutoScalingGroups![0]!.DesiredCapacity!;

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    standin = await startScaleSetStandin({ scopes: ["my-org"], githubTokens: [CANARY_TOKEN], pollMs: 100 });
    fleet = await setUpFleet(moto, [pool("alpha", { runnerGroup: "default", runnersPerHost: 1 })], { alpha: 2 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }));
    fleet.config.pools[0]!.githubUrl = standin.orgUrl("my-org");
    iam = moto.proxy.iam!;
    // Groups that are not the stack's: another stack's and another project's under its name
    // prefix, and one outside the prefix carrying the stack's own tags.
    const tags = iam.stackTags;
    const other = { "runner-fleet:stack": `${tags["runner-fleet:stack"]}-eu` };
    const foreign: [string, Record<string, string>][] = [
      ["asg-eu-alpha", { ...tags, ...other }],
      ["asg-x-alpha", { ...tags, "runner-fleet:project": "another-project" }],
      ["someone-elses-group", tags],
    ];
    for (const [name, t] of foreign) {
      await fleet.admin.autoscaling.send(
        new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateName: "hosts", Version: "$Latest" }, MinSize: 0, MaxSize: 2, DesiredCapacity: 0, AvailabilityZones: [`${REGION}a`], Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) }),
      );
    }
    await fleet.admin.secrets.send(new CreateSecretCommand({ Name: "someone-elses/secret", SecretString: "x" }));
    const config = { ...fleet.config, endpoints: { aws: moto.controlPlane.endpoint, github: `${standin.url}/api/v3` } };
    services = createServices(config, scaleSetParts, createLogger((l) => lines.push(l)), { aws: { credentials: moto.controlPlane.credentials }, metricsLine: (l) => lines.push(l) });
  }, 90_000);
  afterAll(async () => {
    await standin?.close();
    await moto?.stop();
    expect(lines.join("\n")).not.toContain(CANARY_TOKEN);
  });

  it("runs its real paths with every AWS call allowed by the rendered policy", async () => {
    for (let i = 0; i < 3; i++) standin.submitJob({ runsOn: "alpha-set", repository: "my-org/app" });
    // First run registers the set and opens a session; the second acquires the jobs and raises the group.
    await scheduled();
    await scheduled();
    expect(await desired("asg-alpha")).toBe(3);
    const [host, leaver] = fleet.instances.alpha as [string, string];
    const jit = (await route(urlEvent({ userArn: sessionArn("alpha-host", host), body: { v: 1, action: "jit", pool: "alpha", slot: 1 } }), ctx, services)) as { statusCode: number };
    expect(jit.statusCode).toBe(200);
    const leave = (await route(urlEvent({ userArn: sessionArn("alpha-host", leaver), body: { v: 1, action: "leave", pool: "alpha", decrement: false, reason: "spot" } }), ctx, services)) as { statusCode: number; body: string };
    expect([leave.statusCode, JSON.parse(leave.body)]).toEqual([200, { v: 1, left: true, decremented: false }]);
    expect(moto.proxy.refused).toEqual([]);
    paths = [...moto.proxy.allowed];
    // Every action the code calls was called on these paths (logs are written by Lambda's runtime; an
    // aborted multipart upload needs a failed upload: those two the program-level mutation test covers).
    const called = new Set(paths.map((c) => c.action));
    const notOnThesePaths = ["logs:CreateLogStream", "logs:PutLogEvents", "s3:AbortMultipartUpload"];
    expect([...called].sort()).toEqual(Object.values(CONTROL_PLANE_IAM_ACTIONS).flat().filter((a) => !notOnThesePaths.includes(a)).sort());
  }, 90_000);

  it("is refused what the policy does not grant, as AWS answers, and moto is left unchanged", async () => {
    const cp = fleet.clients;
    const answer = (p: Promise<unknown>) => p.then(() => "ok", (e: { name?: string }) => e.name ?? "error");
    const before = await Promise.all(["asg-eu-alpha", "asg-x-alpha", "someone-elses-group"].map(desired));
    const got = {
      anotherStack: await answer(cp.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "asg-eu-alpha", DesiredCapacity: 2 }))),
      anotherProject: await answer(cp.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "asg-x-alpha", DesiredCapacity: 2 }))),
      outsidePrefix: await answer(cp.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "someone-elses-group", DesiredCapacity: 2 }))),
      listWholeBucket: await answer(cp.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))),
      readAgent: await answer(cp.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "agent/x/agent.js" }))),
      anotherSecret: await answer(cp.secrets.send(new GetSecretValueCommand({ SecretId: "someone-elses/secret" }))),
      unknownKey: await answer(createAwsClients({ region: REGION, endpoint: moto.controlPlane.endpoint, credentials: { accessKeyId: "AKIANOBODY", secretAccessKey: "x" } }).s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "runner/manifest.json" }))),
    };
    expect(got).toEqual({
      anotherStack: "AccessDenied",
      anotherProject: "AccessDenied",
      outsidePrefix: "AccessDenied",
      // Key names may be listed bucket-wide (policies.ts: S3's 404 for a missing object needs it).
      listWholeBucket: "ok",
      readAgent: "AccessDenied",
      anotherSecret: "AccessDeniedException",
      unknownKey: "AccessDenied",
    });
    expect(await Promise.all(["asg-eu-alpha", "asg-x-alpha", "someone-elses-group"].map(desired))).toEqual(before);
    // What the proxy refused, as IAM requests, for the mutation check below.
    const refusedCalls = moto.proxy.refused.filter((r) => r.includes("is not authorized"));
    expect(refusedCalls).toHaveLength(5);
    const groupArn = async (name: string) => (await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0]!.AutoScalingGroupARN!;
    const tagContext = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).flatMap(([k, v]) => [[`aws:ResourceTag/${k}`, v], [`autoscaling:ResourceTag/${k}`, v]]));
    const tags = iam.stackTags;
    mustRefuse.push(
      { what: "another stack's group", action: "autoscaling:SetDesiredCapacity", resource: await groupArn("asg-eu-alpha"), context: tagContext({ ...tags, "runner-fleet:stack": `${tags["runner-fleet:stack"]}-eu` }), bucketPolicy: false },
      { what: "another project's group", action: "autoscaling:SetDesiredCapacity", resource: await groupArn("asg-x-alpha"), context: tagContext({ ...tags, "runner-fleet:project": "another-project" }), bucketPolicy: false },
      { what: "a group outside the prefix", action: "autoscaling:SetDesiredCapacity", resource: await groupArn("someone-elses-group"), context: tagContext(tags), bucketPolicy: false },
      { what: "an agent read", action: "s3:GetObject", resource: `arn:aws:s3:::${BUCKET}/agent/x/agent.js`, context: {}, bucketPolicy: true },
    );
  }, 60_000);

  it("refuses a call of these paths, or admits a refused one, when any one grant, resource or condition is removed", async () => {
    expect(paths.length).toBeGreaterThan(10);
    expect(mustRefuse).toHaveLength(4);
    const decide = (identity: PolicyDocument[], c: IamCallRecord) =>
      authorize({ principal: iam.controlPlaneSession, action: c.action, resource: c.resource, context: c.context }, { identity, ...(c.bucketPolicy ? { resource: iam.bucketPolicy } : {}) });
    const unique = [...new Map(paths.map((c) => [JSON.stringify(c), c])).values()];
    const survivors: string[] = [];
    const caughtBy: Record<string, string> = {};
    for (const [i, doc] of iam.controlPlanePolicies.entries()) {
      for (const m of documentMutants(doc)) {
        const identity = iam.controlPlanePolicies.map((d, j) => (j === i ? m.doc : d));
        let caught: string | undefined;
        for (const c of unique) if (!caught && !(await decide(identity, c)).allowed) caught = `refuses ${c.action} ${c.resource}`;
        for (const c of mustRefuse) if (!caught && (await decide(identity, c)).allowed) caught = `admits ${c.what}`;
        if (caught) caughtBy[m.name] = caught;
        else survivors.push(m.name);
      }
    }
    // The two grants no path here calls (see the first test) are the only ones these paths cannot tell.
    expect(survivors.sort()).toEqual(["BucketObjects: drop action s3:AbortMultipartUpload", "WriteLogs: drop action logs:CreateLogStream", "WriteLogs: drop action logs:PutLogEvents", "drop statement WriteLogs"]);
    expect(caughtBy["PoolGroups: drop condition StringEquals aws:ResourceTag/runner-fleet:stack"]).toBe("admits another stack's group");
    expect(caughtBy["PoolGroups: drop condition StringEquals aws:ResourceTag/runner-fleet:project"]).toBe("admits another project's group");
    expect(Object.keys(caughtBy).length).toBeGreaterThan(15);
  }, 120_000);

  it("with a grant removed, the real path fails where AWS would refuse it", async () => {
    const drop = (sid: string): StandinIam => ({ ...iam, controlPlanePolicies: iam.controlPlanePolicies.map((d) => ({ ...d, Statement: d.Statement.filter((s) => s.Sid !== sid) })) });
    const withoutGroups = drop("PoolGroups");
    moto.proxy.iam = { ...withoutGroups, authorize: (req, resource) => authorize(req, { identity: withoutGroups.controlPlanePolicies, ...(resource ? { resource } : {}) }) };
    try {
      const before = await desired("asg-alpha");
      for (let i = 0; i < 5; i++) standin.submitJob({ runsOn: "alpha-set", repository: "my-org/app" });
      const out = await scheduled();
      expect(out.listener.pools[0]!.errors.join("\n")).toMatch(/not authorized to perform: autoscaling:SetDesiredCapacity/);
      expect(await desired("asg-alpha")).toBe(before);
    } finally {
      moto.proxy.iam = iam;
    }
  }, 60_000);
});
