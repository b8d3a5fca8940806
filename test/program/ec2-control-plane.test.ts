import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { hostRoleName } from "../../components/aws/HostPool";
import { registrationInput } from "../../control-plane/registration/handler";
import { parseConfig } from "../../control-plane/runtime/config";
import { JOB_WAIT_METRIC } from "../../components/control-plane/alarms";
import { UNSCOPABLE_ACTIONS } from "../../components/control-plane/policies";
import { controlPlaneSizing, LOG_RETENTION_DAYS } from "../../components/control-plane/sizing";
import { hostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { CONTROL_PLANE_CONFIG_FILE, type ControlPlaneConfig } from "../../protocol/control-plane-config";
import { LAMBDA_HANDLER } from "../../components/control-plane/bundle";
import { BROKER_MAX_CONTAINERS } from "../../protocol/github-budget";
import { fleetProgram } from "../../stacks/program";
import { renderStack, unwrapSecrets, type RenderedResource, type RenderResult } from "../../tools/render-lib";
import { PROJECT } from "../../tools/stack-file";
import { sourceFrom, TOKEN } from "../helpers/config";
import { canaries, renderRealStack, strings } from "../helpers/render";
import { orgPools } from "../helpers/org-pools";

/** Resource options as the program sets them, seen through a stack transformation (mocks do not pass options). */
type SeenOptions = { ignoreChanges?: string[]; deleteBeforeReplace?: boolean };

/** Renders a dev stack in us-east-1 from short keys (structures as objects) and the test token; records options by name. */
function renderDev(config: Record<string, unknown>, options?: Map<string, SeenOptions>): Promise<RenderResult> {
  const all: Record<string, string> = { "aws:region": "us-east-1" };
  for (const [k, v] of Object.entries(config)) all[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  all[`${PROJECT}:githubToken`] = TOKEN.githubToken;
  const program = () => {
    if (options) {
      pulumi.runtime.registerStackTransformation((a) => {
        options.set(`${a.type}::${a.name}`, { ...(a.opts.ignoreChanges ? { ignoreChanges: a.opts.ignoreChanges } : {}), ...((a.opts as pulumi.CustomResourceOptions).deleteBeforeReplace ? { deleteBeforeReplace: true } : {}) });
        return undefined;
      });
    }
    return fleetProgram();
  };
  return renderStack({ project: PROJECT, stack: "dev", config: all, secretKeys: [`${PROJECT}:githubToken`], program });
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };
type Doc = { Statement: Statement[] };

const ACCOUNT = "123456789012";
const SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:runner-fleet/prod/github-OFFLIN`;
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const byType = (r: RenderResult, type: string): RenderedResource[] => r.resources.filter((x) => x.type === type);
function one(r: RenderResult, type: string, name: string): RenderedResource {
  const found = r.resources.filter((x) => x.type === type && x.name === name);
  expect(found.map((x) => x.key)).toHaveLength(1);
  return found[0]!;
}
const inputs = (res: RenderedResource): Record<string, unknown> => unwrapSecrets(res.inputs) as Record<string, unknown>;

/** A function's code archive as the mock runtime hands it over: file name → text. */
async function archiveFiles(fn: RenderedResource): Promise<Record<string, string>> {
  // Not through unwrapSecrets: it rebuilds plain objects, and the archive's assets are a promise.
  const code = fn.inputs.code as pulumi.asset.AssetArchive;
  expect(code).toBeInstanceOf(pulumi.asset.AssetArchive);
  const assets = (await code.assets) as Record<string, pulumi.asset.StringAsset>;
  const out: Record<string, string> = {};
  for (const [name, a] of Object.entries(assets)) out[name] = (await a.text)!;
  return out;
}

/** The config a function reads at start, through the Lambda's own parser. */
async function configOf(fn: RenderedResource): Promise<ControlPlaneConfig> {
  return parseConfig((await archiveFiles(fn))[CONTROL_PLANE_CONFIG_FILE]!);
}

/** Every IAM document the render holds, with the resource that carries it. */
function policyDocs(r: RenderResult): { at: RenderedResource; doc: Doc }[] {
  const out: { at: RenderedResource; doc: Doc }[] = [];
  for (const res of r.resources) {
    for (const key of ["policy", "assumeRolePolicy", "inlinePolicies"]) {
      const v = inputs(res)[key];
      for (const s of strings(v)) {
        if (!s.trim().startsWith("{")) continue;
        const doc = JSON.parse(s) as Partial<Doc>;
        if (Array.isArray(doc.Statement)) out.push({ at: res, doc: doc as Doc });
      }
    }
  }
  return out;
}

/** The role a RolePolicy attaches to, by the role's logical name. */
function roleOf(r: RenderResult, policy: RenderedResource): RenderedResource {
  const role = r.resources.find((x) => x.type === "aws:iam/role:Role" && (inputs(x).name ?? `${x.name}`) === inputs(policy).role);
  if (role) return role;
  // Roles without a fixed name are referred to by their (mocked) physical name: the logical name.
  return one(r, "aws:iam/role:Role", String(inputs(policy).role));
}

let prod: RenderResult;
beforeAll(async () => {
  prod = await renderRealStack("prod", canaries());
}, 120_000);

describe("the prod control plane", () => {
  it("runs a broker and a listener from one bundle on nodejs24.x arm64; the listener held to one at a time, the broker to the containers its GitHub budget is divided among", () => {
    const fns = byType(prod, "aws:lambda/function:Function").map(inputs);
    expect(fns.map((f) => f.description)).toEqual(["runner-fleet runner-fleet-prod control plane: broker", "runner-fleet runner-fleet-prod control plane: listener"]);
    for (const f of fns) expect([f.runtime, f.architectures, f.handler]).toEqual(["nodejs24.x", ["arm64"], "index.handler"]);
    const [broker, listener] = fns;
    expect(broker!.reservedConcurrentExecutions).toBe(BROKER_MAX_CONTAINERS);
    expect(listener!.reservedConcurrentExecutions).toBe(1);
    const sizing = controlPlaneSizing(2);
    expect([broker!.memorySize, broker!.timeout, listener!.memorySize, listener!.timeout]).toEqual([
      sizing.broker.memoryMiB,
      sizing.broker.timeoutSeconds,
      sizing.listener.memoryMiB,
      sizing.listener.timeoutSeconds,
    ]);
    const roles = fns.map((f) => f.role);
    expect(new Set(roles).size).toBe(1);
  });

  it("tells the functions the pools, the bucket and where the credential is, and never the credential", async () => {
    const secrets = canaries();
    const r = await renderRealStack("prod", secrets);
    for (const f of byType(r, "aws:lambda/function:Function")) {
      const text = JSON.stringify(inputs(f));
      for (const canary of [secrets.token, secrets.privateKey.split("\n")[1]!]) expect(text).not.toContain(canary);
      // The config rides in the code archive beside the bundle; no environment at all.
      expect(inputs(f).environment).toBeUndefined();
      const files = await archiveFiles(f);
      expect(Object.keys(files).sort()).toEqual([CONTROL_PLANE_CONFIG_FILE, `${LAMBDA_HANDLER.split(".")[0]}.js`].sort());
      for (const canary of [secrets.token, secrets.privateKey.split("\n")[1]!]) expect(Object.values(files).join("\n")).not.toContain(canary);
      // What the Lambda itself accepts at start (its zod schema of the protocol type).
      const cfg = await configOf(f);
      expect(cfg).toEqual(JSON.parse(files[CONTROL_PLANE_CONFIG_FILE]!));
      expect(cfg).toMatchObject({ v: 1, fleet: "runner-fleet-prod", region: "eu-west-1", credentialSecretArn: SECRET, bucket: "host-pools", githubApiUrl: "https://api.github.com" });
      expect(cfg.pools.map((p) => [p.name, p.scaleSetName, p.asgName, p.hostRoleArn])).toEqual([
        ["graviton-builders", "graviton-builders", "runner-fleet-prod-graviton-builders", `arn:aws:iam::${ACCOUNT}:role/runner-fleet-prod-graviton-builders-host`],
        ["kvm-x64", "kvm-x64", "runner-fleet-prod-kvm-x64", `arn:aws:iam::${ACCOUNT}:role/runner-fleet-prod-kvm-x64-host`],
      ]);
      // The ARNs the control plane checks callers against are the host roles the stack makes.
      const hostRoles = byType(r, "aws:iam/role:Role").filter((x) => x.name.endsWith("-host")).map((x) => `arn:aws:iam::${ACCOUNT}:role/${String(inputs(x).name)}`);
      expect(cfg.pools.map((p) => p.hostRoleArn).sort()).toEqual(hostRoles.sort());
    }
  });

  it("lets exactly one role read the credential: the control plane's, on the secret's exact ARN", () => {
    const readers = policyDocs(prod).filter(({ doc }) =>
      doc.Statement.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => /^secretsmanager:(GetSecretValue|\*)$|^\*$/.test(a))),
    );
    expect(readers.map(({ at }) => at.key)).toEqual(["aws:iam/rolePolicy:RolePolicy::control-plane"]);
    const read = readers[0]!.doc.Statement.filter((s) => list(s.Action).includes("secretsmanager:GetSecretValue"));
    expect(read.map((s) => s.Resource)).toEqual([SECRET]);
    const cpRole = roleOf(prod, readers[0]!.at);
    expect(cpRole.name).toBe("control-plane");
    // No other principal gets it through a resource policy either.
    expect(byType(prod, "aws:secretsmanager/secretPolicy:SecretPolicy")).toEqual([]);
  });

  it("gives the control plane exact ARNs (its groups by the stack's prefix and tags), with Resource * only for the listed Describe calls", () => {
    const doc = JSON.parse(inputs(one(prod, "aws:iam/rolePolicy:RolePolicy", "control-plane")).policy as string) as Doc;
    expect(doc.Statement).toEqual([
      { Sid: "ReadGithubCredential", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET },
      {
        Sid: "PoolGroups",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: `arn:aws:autoscaling:eu-west-1:${ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/runner-fleet-prod-*`,
        Condition: { StringEquals: { "aws:ResourceTag/runner-fleet:project": "runner-fleet", "aws:ResourceTag/runner-fleet:stack": "prod" } },
      },
      { Sid: "DescribeUnscopable", Effect: "Allow", Action: [...UNSCOPABLE_ACTIONS], Resource: "*" },
      {
        Sid: "BucketObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: ["arn:aws:s3:::host-pools/broker/*", "arn:aws:s3:::host-pools/hosts/*", "arn:aws:s3:::host-pools/runner/*", "arn:aws:s3:::host-pools/listener/*"],
      },
      { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::host-pools" },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/runner-fleet/runner-fleet-prod/control-plane:*` },
    ]);
    for (const a of UNSCOPABLE_ACTIONS) expect(a).toMatch(/^(autoscaling|ec2):Describe[A-Za-z]+$/);
    const trust = JSON.parse(inputs(one(prod, "aws:iam/role:Role", "control-plane")).assumeRolePolicy as string) as Doc;
    expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
  });

  it("takes no wildcard anywhere in a rendered policy but those Describe calls and the stack's own prefixes", () => {
    const wild = policyDocs(prod).flatMap(({ at, doc }) =>
      doc.Statement.filter((s) => s.Effect === "Allow" && (list(s.Action).some((a) => a.includes("*")) || list(s.Resource).some((x) => x === "*" || x.endsWith(":*") || x.endsWith("/*"))))
        .map((s) => `${at.name}:${s.Sid ?? "?"}`),
    );
    // broker/*, hosts/*, runner/* and the log streams are prefixes of resources the stack owns.
    // Resource "*" appears only on the Describe calls.
    expect(wild.sort()).toEqual(
      [
        "control-plane:DescribeUnscopable",
        "control-plane:BucketObjects",
        "control-plane:WriteLogs",
        "graviton-builders-host:ReadRunnerMirror",
        "kvm-x64-host:ReadRunnerMirror",
        // EKS roles of the prod cluster keep their own, tested in stacks.test.ts.
        ...policyDocs(prod)
          .filter(({ at }) => !["control-plane", "graviton-builders-host", "kvm-x64-host"].includes(at.name))
          .flatMap(({ at, doc }) =>
            doc.Statement.filter((s) => s.Effect === "Allow" && (list(s.Action).some((a) => a.includes("*")) || list(s.Resource).some((x) => x === "*" || x.endsWith(":*") || x.endsWith("/*")))).map(
              (s) => `${at.name}:${s.Sid ?? "?"}`,
            ),
          ),
      ].sort(),
    );
    const starResource = policyDocs(prod)
      .filter(({ at }) => ["control-plane", "graviton-builders-host", "kvm-x64-host"].includes(at.name))
      .flatMap(({ doc }) => doc.Statement.filter((s) => list(s.Resource).includes("*")));
    expect(starResource.map((s) => s.Sid)).toEqual(["DescribeUnscopable"]);
  });

  it("takes the host roles' GetSecretValue away, and every terminate: hosts leave through the broker", () => {
    for (const pool of ["graviton-builders", "kvm-x64"]) {
      const doc = JSON.parse(inputs(one(prod, "aws:iam/rolePolicy:RolePolicy", `${pool}-host`)).policy as string) as Doc;
      expect(JSON.stringify(doc)).not.toMatch(/secretsmanager|kms:/);
      expect(doc.Statement.flatMap((s) => list(s.Action)).sort()).toEqual(["lambda:InvokeFunction", "lambda:InvokeFunctionUrl", "s3:GetObject"]);
      expect(doc.Statement.some((s) => list(s.Action).includes("autoscaling:CompleteLifecycleAction"))).toBe(false);
    }
  });

  it("serves the broker on an AWS_IAM function URL with no function policy: only what the callers' role policies grant", () => {
    const urls = byType(prod, "aws:lambda/functionUrl:FunctionUrl").map(inputs);
    expect(urls).toEqual([expect.objectContaining({ functionName: "control-plane-broker", authorizationType: "AWS_IAM" })]);
    // Within one account a function policy only adds callers; one per pool outgrew Lambda's 20 KB.
    // The host roles' own policies admit them (test/program/iam-claims.test.ts).
    const perms = byType(prod, "aws:lambda/permission:Permission").map(inputs);
    expect(perms.filter((p) => p.function === "control-plane-broker")).toEqual([]);
    // Everything that may invoke a function is EventBridge, each from its own rule.
    expect(perms.map((p) => [p.function, p.action, p.principal, p.sourceArn])).toEqual([
      ["control-plane-listener", "lambda:InvokeFunction", "events.amazonaws.com", `arn:aws:events:eu-west-1:${ACCOUNT}:rule/control-plane-listen`],
    ]);
  });

  it("sends the listener EventBridge's Scheduled Event every minute, registers the scale sets at `up` (CRUD) and fills the mirror at deploy", async () => {
    const rules = byType(prod, "aws:cloudwatch/eventRule:EventRule").map((r) => [r.name, inputs(r).scheduleExpression]);
    expect(rules).toEqual([["control-plane-listen", "rate(1 minute)"]]);
    // No input: the control plane's router knows the schedule by source aws.events / "Scheduled Event".
    const targets = byType(prod, "aws:cloudwatch/eventTarget:EventTarget").map(inputs).map((t) => [t.rule, t.arn, t.input]);
    expect(targets).toEqual([["control-plane-listen", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:control-plane-listener`, undefined]]);
    // A tick throttled behind a run still polling is dropped, not queued for hours.
    expect(byType(prod, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").map(inputs)).toEqual([
      expect.objectContaining({ functionName: "control-plane-listener", maximumEventAgeInSeconds: 60, maximumRetryAttempts: 0 }),
    ]);
    const register = inputs(one(prod, "aws:lambda/invocation:Invocation", "control-plane-register"));
    // Exactly what the control plane's registration expects: its own builder over the config the functions get.
    const cfg = await configOf(one(prod, "aws:lambda/function:Function", "control-plane-broker"));
    expect([register.functionName, register.lifecycleScope, JSON.parse(register.input as string)]).toEqual(["control-plane-broker", "CRUD", registrationInput(cfg.pools)]);
    expect(registrationInput(cfg.pools).pools.map((p) => p.name)).toEqual(["graviton-builders", "kvm-x64"]);
    expect(Object.keys(register.triggers as object).sort()).toEqual(["code", "config"]);
    const mirror = inputs(one(prod, "aws:lambda/invocation:Invocation", "control-plane-mirror"));
    expect([mirror.functionName, mirror.lifecycleScope, JSON.parse(mirror.input as string)]).toEqual(["control-plane-broker", undefined, { action: "mirror" }]);
  });

  it("keeps its logs 30 days and alarms on each pool's job wait and on a failing listener", () => {
    const logs = inputs(one(prod, "aws:cloudwatch/logGroup:LogGroup", "control-plane"));
    expect([logs.name, logs.retentionInDays]).toEqual(["/runner-fleet/runner-fleet-prod/control-plane", LOG_RETENTION_DAYS]);
    for (const f of byType(prod, "aws:lambda/function:Function")) expect((inputs(f).loggingConfig as { logGroup: string }).logGroup).toBe(logs.name);
    const alarms = byType(prod, "aws:cloudwatch/metricAlarm:MetricAlarm").map(inputs);
    expect(alarms.map((a) => [a.namespace, a.metricName, a.dimensions, a.statistic, a.evaluationPeriods, a.threshold])).toEqual([
      [JOB_WAIT_METRIC.namespace, JOB_WAIT_METRIC.name, { Fleet: "runner-fleet-prod", Pool: "graviton-builders" }, "Minimum", 10, 0],
      [JOB_WAIT_METRIC.namespace, JOB_WAIT_METRIC.name, { Fleet: "runner-fleet-prod", Pool: "kvm-x64" }, "Minimum", 10, 0],
      ["AWS/Lambda", "Errors", { FunctionName: "control-plane-listener" }, "Sum", 5, 0],
    ]);
  });

  it("keeps the pool bucket private, encrypted, versioned and TLS-only", () => {
    const block = inputs(one(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "host-pools"));
    expect([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets]).toEqual([true, true, true, true]);
    expect(inputs(one(prod, "aws:s3/bucketVersioning:BucketVersioning", "host-pools")).versioningConfiguration).toEqual({ status: "Enabled" });
    expect(inputs(one(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "host-pools")).rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
    const policy = JSON.parse(inputs(one(prod, "aws:s3/bucketPolicy:BucketPolicy", "host-pools")).policy as string) as Doc;
    expect(policy.Statement).toEqual([
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::host-pools", "arn:aws:s3:::host-pools/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(byType(prod, "aws:s3/bucket:Bucket").map((b) => b.name)).toEqual(["host-pools"]);
    const agent = inputs(byType(prod, "aws:s3/bucketObjectv2:BucketObjectv2")[0]!);
    expect([agent.bucket, agent.key]).toEqual(["host-pools", expect.stringMatching(/^agent\/[0-9a-f]{64}\/agent\.js$/)]);
  });

  it("suspends AZRebalance, leaves desired capacity to the control plane and names the host roles as told", () => {
    for (const pool of ["graviton-builders", "kvm-x64"]) {
      const g = inputs(one(prod, "aws:autoscaling/group:Group", `${pool}-asg`));
      expect(g.suspendedProcesses).toEqual(["AZRebalance"]);
      expect(g.warmPool).toBeUndefined();
      expect(inputs(one(prod, "aws:iam/role:Role", `${pool}-host`)).name).toBe(`runner-fleet-prod-${pool}-host`);
    }
    expect(byType(prod, "aws:autoscaling/lifecycleHook:LifecycleHook")).toEqual([]);
  });
});

describe("a pool with a warm pool", () => {
  const config = {
    github: { url: "https://github.com/acme", auth: "token" },
    hostPools: [
      { name: "warm", arch: "arm64", instanceTypes: ["c7g.xlarge"], capacity: { min: 0, desired: 0, max: 4 }, warmPool: { size: 2, state: "Stopped" } },
      { name: "cold", arch: "amd64", instanceTypes: ["c7i.xlarge", "c6i.xlarge"], capacity: { min: 0, desired: 0, max: 2 } },
    ],
  };
  let r: RenderResult;
  const options = new Map<string, SeenOptions>();
  beforeAll(async () => {
    r = await renderDev(config, options);
  }, 120_000);

  it("leaves desired capacity to the control plane: `up` ignores it, and fixed names delete before replacing", () => {
    for (const pool of ["warm", "cold"]) {
      expect(options.get(`aws:autoscaling/group:Group::${pool}-asg`)).toEqual({ ignoreChanges: ["desiredCapacity"], deleteBeforeReplace: true });
      expect(options.get(`aws:iam/role:Role::${pool}-host`)).toEqual({ deleteBeforeReplace: true });
      expect(inputs(one(r, "aws:autoscaling/group:Group", `${pool}-asg`)).suspendedProcesses).toEqual(["AZRebalance"]);
    }
  });

  it("renders the warm pool on a single-type group with a launch hook that abandons a host that never finishes", () => {
    const g = inputs(one(r, "aws:autoscaling/group:Group", "warm-asg"));
    expect(g.warmPool).toEqual({ minSize: 2, poolState: "Stopped", instanceReusePolicy: { reuseOnScaleIn: false } });
    expect(g.mixedInstancesPolicy).toBeUndefined();
    expect((g.launchTemplate as { version: string }).version).toBe("$Latest");
    expect(inputs(one(r, "aws:ec2/launchTemplate:LaunchTemplate", "warm-lt")).instanceType).toBe("c7g.xlarge");
    const hooks = byType(r, "aws:autoscaling/lifecycleHook:LifecycleHook").map(inputs);
    expect(hooks).toEqual([
      expect.objectContaining({
        name: "runner-fleet-dev-warm-launch",
        autoscalingGroupName: "runner-fleet-dev-warm",
        lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        heartbeatTimeout: 900,
        defaultResult: "ABANDON",
      }),
    ]);
  });

  it("lets the host complete only its own group's hook; the other pool's hosts cannot", () => {
    const doc = (pool: string) => JSON.parse(inputs(one(r, "aws:iam/rolePolicy:RolePolicy", `${pool}-host`)).policy as string) as Doc;
    const complete = (d: Doc) => d.Statement.filter((s) => list(s.Action).includes("autoscaling:CompleteLifecycleAction"));
    expect(complete(doc("warm"))).toEqual([
      { Sid: "CompleteOwnLaunchHook", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/runner-fleet-dev-warm` },
    ]);
    expect(complete(doc("cold"))).toEqual([]);
  });

  it("tells the warm pool's hosts the hook, the broker URL and the mirror in their user-data", () => {
    const ud = Buffer.from(String(inputs(one(r, "aws:ec2/launchTemplate:LaunchTemplate", "warm-lt")).userData), "base64").toString("utf8");
    expect(ud).toContain("runner-fleet-dev-warm-launch");
    expect(ud).toMatch(/lambda-url\.us-east-1\.on\.aws/);
    expect(ud).toContain("runner/manifest.json");
  });
});

describe("a customer-managed key on the credential", () => {
  it("lets only the control plane decrypt, and only through Secrets Manager", async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
    const r = await renderDev({
      github: { url: "https://github.com/acme", auth: "token" },
      credentialKmsKeyArn: key,
      hostPools: [{ name: "p", arch: "arm64", instanceTypes: ["c7g.xlarge"], capacity: { min: 0, desired: 0, max: 1 } }],
    });
    const decrypters = policyDocs(r).filter(({ doc }) => doc.Statement.some((s) => list(s.Action).some((a) => a.startsWith("kms:"))));
    expect(decrypters.map(({ at }) => at.key)).toEqual(["aws:iam/rolePolicy:RolePolicy::control-plane"]);
    expect(decrypters[0]!.doc.Statement.at(-1)).toEqual({
      Sid: "DecryptCredential",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: key,
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
    });
  }, 120_000);
});

describe("host role names", () => {
  it("fit IAM's 64 characters, shortened with a stable hash rather than cut into a collision", () => {
    const long = "p".repeat(40);
    const cfg = parseStackConfig(
      sourceFrom(
        { github: { url: "https://github.com/acme", auth: "token" }, hostPools: [{ name: long, arch: "arm64", instanceTypes: ["c7g.xlarge"], capacity: { min: 0, desired: 0, max: 1 } }] },
        { secrets: TOKEN, stack: "a-rather-long-stack-name", foreign: { "aws:region": "us-east-1" } },
      ),
    );
    const pool = hostPoolModel(cfg, cfg.hostPools[0]!, "runner-fleet", "a-rather-long-stack-name");
    const name = hostRoleName(pool);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^runner-fleet-a-rather-long-stack-name-p+-[0-9a-z]+$/);
    const other = hostPoolModel(cfg, { ...cfg.hostPools[0]!, name: `${long}q` }, "runner-fleet", "a-rather-long-stack-name");
    expect(hostRoleName(other)).not.toBe(name);
  });
});

describe("an organisation's stack: 120 and 200 pools", () => {
  for (const n of [120, 200]) {
    it(`renders ${n} pools: every pool in the functions' config, the functions sized for them`, async () => {
      const r = await renderDev({ github: { url: "https://github.com/acme", auth: "token" }, hostPools: orgPools(n) });
      expect(byType(r, "aws:autoscaling/group:Group")).toHaveLength(n);
      const fns = byType(r, "aws:lambda/function:Function");
      for (const f of fns) {
        const cfg = await configOf(f);
        expect(cfg.pools.map((p) => p.name)).toEqual(orgPools(n).map((p) => p.name).sort());
        expect(inputs(f).environment).toBeUndefined();
      }
      const [broker, listener] = fns.map(inputs);
      expect([broker!.memorySize, broker!.timeout, listener!.memorySize, listener!.timeout]).toEqual([
        controlPlaneSizing(n).broker.memoryMiB,
        controlPlaneSizing(n).broker.timeoutSeconds,
        controlPlaneSizing(n).listener.memoryMiB,
        controlPlaneSizing(n).listener.timeoutSeconds,
      ]);
      expect(byType(r, "aws:cloudwatch/metricAlarm:MetricAlarm")).toHaveLength(n + 1);
    }, 300_000);
  }
});
