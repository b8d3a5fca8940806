import type { PolicyDocument } from "../../components/aws/policy-document";
import { MIRROR_MANIFEST_KEY } from "../../protocol/mirror";
import { authorize, listOf, type IamResult } from "./iam";
import { groupContext, sessionOf, type RenderedIam, type RenderedRole } from "./rendered-iam";

/**
 * The AWS calls the program's real paths make, as (caller, action, resource, context), each with
 * the decision AWS must give, and the calls it must refuse. Each names the code that makes it.
 */
export interface IamCall {
  what: string;
  /** A rendered role's name, or a service principal (events.amazonaws.com) calling on its own. */
  role: string;
  action: string;
  resource: string;
  context?: Record<string, string>;
  expect: "Allowed" | "Denied";
  /** Which resource policy AWS consults: the broker's function policy, the bucket's policy. */
  resourcePolicy?: string;
}

export const INSTANCE = "i-0123456789abcdef0";
export const OTHER_INSTANCE = "i-0fedcba9876543210";

export const hostRolesOf = (iam: RenderedIam): RenderedRole[] => iam.roles.filter((r) => iam.groups.some((g) => r.name === `${g}-host`));
export const controlPlaneOf = (iam: RenderedIam): RenderedRole => {
  const found = iam.roles.filter((r) => r.trust.Statement.some((s) => listOf(s.Principal?.Service).some((p) => p.startsWith("lambda."))));
  if (found.length !== 1) throw new Error(`expected one role trusted by Lambda, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0]!;
};
export const groupArnOf = (iam: RenderedIam, group: string): string =>
  `arn:${iam.partition}:autoscaling:${iam.region}:${iam.account}:autoScalingGroup:0b5e4f55-1c8e-4ab0-9a4c-000000000000:autoScalingGroupName/${group}`;

export function iamCalls(iam: RenderedIam): IamCall[] {
  const [bucket] = [...iam.bucketPolicies.keys()] as [string];
  const [broker] = iam.functions.filter((a) => a.endsWith(":function:control-plane-broker")) as [string];
  const [agent] = iam.objects.filter((o) => o.includes("/agent/")) as [string];
  const [secret] = iam.secrets as [string];
  const ec2 = (id: string) => `arn:${iam.partition}:ec2:${iam.region}:${iam.account}:instance/${id}`;
  const calls: IamCall[] = [];
  const cp = controlPlaneOf(iam).name;
  const hosts = hostRolesOf(iam);
  for (const h of hosts) {
    const role = h.name;
    const group = role.replace(/-host$/, "");
    const viaUrl = { "lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true" };
    calls.push(
      // host/agent/install.ts via user-data: the agent bundle, then the runner mirror (host/agent/aws.ts getObject).
      { what: "host fetches its agent", role, action: "s3:GetObject", resource: agent, expect: "Allowed", resourcePolicy: bucket },
      { what: "host reads the mirror manifest", role, action: "s3:GetObject", resource: `${bucket}/${MIRROR_MANIFEST_KEY}`, expect: "Allowed", resourcePolicy: bucket },
      { what: "host reads a runner tarball", role, action: "s3:GetObject", resource: `${bucket}/runner/2.336.0/actions-runner-linux-x64-2.336.0.tar.gz`, expect: "Allowed", resourcePolicy: bucket },
      // host/agent/broker.ts: a SigV4-signed POST to the function URL; Lambda checks both actions.
      { what: "host calls the broker URL", role, action: "lambda:InvokeFunctionUrl", resource: broker, context: viaUrl, expect: "Allowed" },
      { what: "host's URL call invokes the broker", role, action: "lambda:InvokeFunction", resource: broker, context: viaUrl, expect: "Allowed" },
      // Idle, spot and recycle leave go through the broker (control-plane/broker/leave.ts): the host may not terminate, even itself.
      { what: "host terminates in its own group", role, action: "autoscaling:TerminateInstanceInAutoScalingGroup", resource: groupArnOf(iam, group), expect: "Denied" },
      // What the host must not do.
      { what: "host invokes the broker directly", role, action: "lambda:InvokeFunction", resource: broker, context: { "lambda:InvokedViaFunctionUrl": "false" }, expect: "Denied" },
      { what: "host calls the URL without IAM auth", role, action: "lambda:InvokeFunctionUrl", resource: broker, context: { "lambda:FunctionUrlAuthType": "NONE" }, expect: "Denied" },
      { what: "host terminates another instance", role, action: "ec2:TerminateInstances", resource: ec2(OTHER_INSTANCE), context: { "ec2:SourceInstanceARN": ec2(INSTANCE) }, expect: "Denied" },
      { what: "host reads the credential", role, action: "secretsmanager:GetSecretValue", resource: secret, expect: "Denied" },
      { what: "host reads another agent", role, action: "s3:GetObject", resource: `${bucket}/agent/${"0".repeat(64)}/agent.js`, expect: "Denied", resourcePolicy: bucket },
      { what: "host reads broker records", role, action: "s3:GetObject", resource: `${bucket}/broker/x.json`, expect: "Denied", resourcePolicy: bucket },
      { what: "host writes the mirror", role, action: "s3:PutObject", resource: `${bucket}/${MIRROR_MANIFEST_KEY}`, expect: "Denied", resourcePolicy: bucket },
      { what: "host reads the mirror without TLS", role, action: "s3:GetObject", resource: `${bucket}/${MIRROR_MANIFEST_KEY}`, context: { "aws:SecureTransport": "false" }, expect: "Denied", resourcePolicy: bucket },
      { what: "host sets its group's size", role, action: "autoscaling:SetDesiredCapacity", resource: groupArnOf(iam, group), expect: "Denied" },
      ...hosts.filter((o) => o !== h).map((o): IamCall => ({ what: `host leaves ${o.name}'s group`, role, action: "autoscaling:TerminateInstanceInAutoScalingGroup", resource: groupArnOf(iam, o.name.replace(/-host$/, "")), expect: "Denied" })),
    );
  }
  const logStream = `arn:${iam.partition}:logs:${iam.region}:${iam.account}:log-group:/runner-fleet/runner-fleet-prod/control-plane:log-stream:2026/12/02/[$LATEST]abc`;
  const obj = (key: string) => `${bucket}/${key}`;
  calls.push(
    // control-plane/github/credential.ts
    { what: "control plane reads the credential", role: cp, action: "secretsmanager:GetSecretValue", resource: secret, expect: "Allowed" },
    // control-plane/scaling/asg.ts, control-plane/aws/autoscaling.ts
    ...iam.groups.flatMap((g): IamCall[] => [
      // AWS evaluates the group's own tags (aws:ResourceTag/<key>): the grant is the stack's prefix and tags.
      { what: `listener raises ${g}`, role: cp, action: "autoscaling:SetDesiredCapacity", resource: groupArnOf(iam, g), context: groupContext(iam, g), expect: "Allowed" },
      { what: `reaper replaces a host of ${g}`, role: cp, action: "autoscaling:TerminateInstanceInAutoScalingGroup", resource: groupArnOf(iam, g), context: groupContext(iam, g), expect: "Allowed" },
    ]),
    { what: "broker finds the caller's group", role: cp, action: "autoscaling:DescribeAutoScalingInstances", resource: "*", expect: "Allowed" },
    { what: "listener reads the group", role: cp, action: "autoscaling:DescribeAutoScalingGroups", resource: "*", expect: "Allowed" },
    // control-plane/broker/records.ts
    { what: "broker writes a record", role: cp, action: "s3:PutObject", resource: obj("broker/pool/i-0/1.json"), expect: "Allowed", resourcePolicy: bucket },
    { what: "broker reads a record", role: cp, action: "s3:GetObject", resource: obj("broker/pool/i-0/1.json"), expect: "Allowed", resourcePolicy: bucket },
    { what: "broker lists records", role: cp, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "broker/pool/" }, expect: "Allowed", resourcePolicy: bucket },
    { what: "broker deletes a record", role: cp, action: "s3:DeleteObject", resource: obj("broker/pool/i-0/1.json"), expect: "Allowed", resourcePolicy: bucket },
    { what: "broker marks a host", role: cp, action: "s3:PutObject", resource: obj("hosts/pool/i-0"), expect: "Allowed", resourcePolicy: bucket },
    { what: "reaper lists host marks", role: cp, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "hosts/" }, expect: "Allowed", resourcePolicy: bucket },
    // control-plane/listener/state.ts
    { what: "listener saves its session", role: cp, action: "s3:PutObject", resource: obj("listener/pool.json"), expect: "Allowed", resourcePolicy: bucket },
    // A missing object is 404 only with s3:ListBucket (S3 GetObject, "Permissions"): the listener's first run, the mirror's first manifest.
    { what: "listener finds no session of a pool yet", role: cp, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "listener/pool.json" }, expect: "Allowed", resourcePolicy: bucket },
    // control-plane/mirror: multipart upload to staging, copy, delete, manifest
    { what: "mirror uploads a tarball", role: cp, action: "s3:PutObject", resource: obj("runner/x.tar.gz.incoming-1"), expect: "Allowed", resourcePolicy: bucket },
    { what: "mirror aborts an upload", role: cp, action: "s3:AbortMultipartUpload", resource: obj("runner/x.tar.gz.incoming-1"), expect: "Allowed", resourcePolicy: bucket },
    { what: "mirror finds no manifest yet", role: cp, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "runner/manifest.json" }, expect: "Allowed", resourcePolicy: bucket },
    // control-plane/runtime: embedded-metric and log lines
    { what: "functions create a log stream", role: cp, action: "logs:CreateLogStream", resource: logStream, expect: "Allowed" },
    { what: "functions write logs", role: cp, action: "logs:PutLogEvents", resource: logStream, expect: "Allowed" },
    // What the control plane must not do.
    { what: "control plane reads an agent", role: cp, action: "s3:GetObject", resource: obj("agent/x/agent.js"), expect: "Denied", resourcePolicy: bucket },
    // Listing keys is allowed bucket-wide (policies.ts: a missing object's 404 needs it); reading is not.
    { what: "control plane lists the whole bucket (key names)", role: cp, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "" }, expect: "Allowed", resourcePolicy: bucket },
    { what: "control plane sets a foreign group", role: cp, action: "autoscaling:SetDesiredCapacity", resource: groupArnOf(iam, "someone-else"), expect: "Denied" },
    ...foreignGroups(iam).map(([what, group, context]): IamCall => ({ what: `control plane sets ${what}`, role: cp, action: "autoscaling:SetDesiredCapacity", resource: groupArnOf(iam, group), context, expect: "Denied" })),
    { what: "control plane writes without TLS", role: cp, action: "s3:PutObject", resource: obj("broker/x"), context: { "aws:SecureTransport": "false" }, expect: "Denied", resourcePolicy: bucket },
    { what: "control plane lists without TLS", role: cp, action: "s3:ListBucket", resource: bucket, context: { "aws:SecureTransport": "false", "s3:prefix": "broker/" }, expect: "Denied", resourcePolicy: bucket },
  );
  // The listener's schedule: EventBridge invokes the listener for the stack's rule, and no other rule may.
  const listener = iam.functions.find((a) => a.endsWith(":function:control-plane-listener"));
  if (listener) {
    const rule = (name: string) => `arn:${iam.partition}:events:${iam.region}:${iam.account}:rule/${name}`;
    const events = `events.${iam.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
    calls.push(
      { what: "the schedule invokes the listener", role: events, action: "lambda:InvokeFunction", resource: listener, context: { "aws:SourceArn": rule("control-plane-listen"), "aws:SourceAccount": iam.account }, expect: "Allowed", resourcePolicy: listener },
      { what: "another rule invokes the listener", role: events, action: "lambda:InvokeFunction", resource: listener, context: { "aws:SourceArn": rule("someone-elses-rule"), "aws:SourceAccount": iam.account }, expect: "Denied", resourcePolicy: listener },
    );
  }
  return calls;
}

/**
 * Groups that are not the stack's although their name starts with its prefix or they carry one of
 * its tags: what the tag conditions of the control plane's grant keep out. Built from the render's
 * own first group (its name and tags), with another stack or project put in.
 */
export function foreignGroups(iam: RenderedIam): [string, string, Record<string, string>][] {
  const [g] = iam.groups as [string];
  const own = groupContext(iam, g);
  const project = own["aws:ResourceTag/runner-fleet:project"];
  const stack = own["aws:ResourceTag/runner-fleet:stack"];
  if (!project || !stack) throw new Error(`group ${g} carries no runner-fleet:project/stack tags`);
  const prefix = `${project}-${stack}-`;
  if (!g.startsWith(prefix)) throw new Error(`group ${g} does not start with its stack's prefix ${prefix}`);
  const pool = g.slice(prefix.length);
  return [
    ["another stack's group under the prefix", `${project}-${stack}-eu-${pool}`, { ...own, "aws:ResourceTag/runner-fleet:stack": `${stack}-eu` }],
    ["another project's group under the prefix", `${project}-${stack}-x-${stack}-${pool}`, { ...own, "aws:ResourceTag/runner-fleet:project": `${project}-${stack}-x` }],
  ];
}

export interface Policies {
  identity: Map<string, PolicyDocument[]>;
  resource: Map<string, PolicyDocument>;
}

export function policiesOf(iam: RenderedIam): Policies {
  return {
    identity: new Map(iam.roles.map((r) => [r.name, r.inline])),
    resource: new Map([...iam.functionPolicies, ...iam.bucketPolicies]),
  };
}

/** AWS's decision on one call under the given policies; `only` evaluates one side alone. */
export async function decideCall(iam: RenderedIam, p: Policies, c: IamCall, only?: "identity" | "resource"): Promise<IamResult> {
  const role = iam.roles.find((r) => r.name === c.role);
  const resource = c.resourcePolicy ? p.resource.get(c.resourcePolicy) : undefined;
  const d = await authorize(
    { principal: role ? sessionOf(iam, role, INSTANCE) : c.role, action: c.action, resource: c.resource, ...(c.context ? { context: c.context } : {}) },
    { identity: only === "resource" ? [] : (p.identity.get(c.role) ?? []), ...(resource && only !== "identity" ? { resource } : {}) },
  );
  return d.result;
}

export const meets = (c: IamCall, r: IamResult): boolean => (c.expect === "Allowed" ? r === "Allowed" : r !== "Allowed");
