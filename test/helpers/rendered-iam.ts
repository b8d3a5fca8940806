import { unwrapSecrets, type RenderedResource, type RenderResult } from "../../tools/render-lib";
import type { PolicyDocument, PolicyStatement } from "../../components/aws/policy-document";
import { computedState, OFFLINE_ACCOUNT, partitionOf } from "../../tools/mock-answers";

/**
 * The IAM a render would create, read back from the resources the program registered: each role
 * with its trust, inline and managed policies; each function's resource policy assembled from its
 * aws.lambda.Permission resources; each bucket's policy. Tests authorise against these and nothing
 * written by hand.
 */
export interface RenderedRole {
  name: string;
  arn: string;
  trust: PolicyDocument;
  inline: PolicyDocument[];
  /** AWS-managed policy ARNs: their documents are not in the reference data, so they are listed, not evaluated. */
  managed: string[];
}

export interface RenderedIam {
  account: string;
  partition: string;
  region: string;
  roles: RenderedRole[];
  /** Every function's ARN. */
  functions: string[];
  /** Function ARN → the resource policy its Permission resources add up to (functions without any have none). */
  functionPolicies: Map<string, PolicyDocument>;
  /** Bucket ARN → its bucket policy. */
  bucketPolicies: Map<string, PolicyDocument>;
  /** Secrets Manager secret ARNs the stack creates. */
  secrets: string[];
  /** Auto Scaling group names the stack creates. */
  groups: string[];
  /** Each group's tags as the render gives them: what AWS puts in aws:ResourceTag/<key> for calls on it. */
  groupTags: Map<string, Record<string, string>>;
  /** Bucket objects: ARN by logical name. */
  objects: string[];
}

const inputs = (r: RenderedResource): Record<string, unknown> => unwrapSecrets(r.inputs) as Record<string, unknown>;
const physical = (r: RenderedResource): string => String(inputs(r).name ?? r.name);
const fail = (m: string): never => {
  throw new Error(m);
};
const doc = (v: unknown): PolicyDocument => JSON.parse(String(v)) as PolicyDocument;

/**
 * The statement Lambda's AddPermission adds for a Permission resource (Lambda Developer Guide,
 * "Control access to Lambda function URLs" and AddPermission API): an account or role ARN becomes
 * Principal.AWS, a service name Principal.Service; FunctionUrlAuthType a StringEquals on
 * lambda:FunctionUrlAuthType, InvokedViaFunctionUrl a Bool on lambda:InvokedViaFunctionUrl,
 * SourceArn an ArnLike on AWS:SourceArn, SourceAccount a StringEquals on AWS:SourceAccount.
 */
export function permissionStatement(p: Record<string, unknown>, functionArn: string, sid: string): PolicyStatement {
  const principal = String(p.principal);
  const condition: Record<string, Record<string, string>> = {};
  const add = (op: string, key: string, value: string): void => void (condition[op] = { ...(condition[op] ?? {}), [key]: value });
  if (p.functionUrlAuthType !== undefined) add("StringEquals", "lambda:FunctionUrlAuthType", String(p.functionUrlAuthType));
  if (p.invokedViaFunctionUrl === true) add("Bool", "lambda:InvokedViaFunctionUrl", "true");
  if (p.sourceArn !== undefined) add("ArnLike", "AWS:SourceArn", String(p.sourceArn));
  if (p.sourceAccount !== undefined) add("StringEquals", "AWS:SourceAccount", String(p.sourceAccount));
  const who = principal.startsWith("arn:") || /^\d{12}$/.test(principal) ? { AWS: principal } : { Service: principal };
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: who,
    Action: String(p.action),
    Resource: functionArn,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}

export function renderedIam(r: RenderResult, region: string): RenderedIam {
  const { partition } = partitionOf(region);
  const account = OFFLINE_ACCOUNT;
  const of = (type: string): RenderedResource[] => r.resources.filter((x) => x.type === type);
  const roles: RenderedRole[] = of("aws:iam/role:Role").map((role) => {
    const name = physical(role);
    return {
      name,
      arn: `arn:${partition}:iam::${account}:role/${name}`,
      trust: doc(inputs(role).assumeRolePolicy),
      inline: of("aws:iam/rolePolicy:RolePolicy").filter((p) => inputs(p).role === name).map((p) => doc(inputs(p).policy)),
      managed: of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((p) => inputs(p).role === name).map((p) => String(inputs(p).policyArn)),
    };
  });
  // ARNs as the mock runtime hands them to the program (tools/mock-answers.ts), so they match the policies.
  const arnOf = (x: RenderedResource): string => String(computedState(x.type, x.name, inputs(x), region).arn);
  const functionArn = (name: string): string => arnOf(of("aws:lambda/function:Function").find((f) => physical(f) === name) ?? fail(`no function ${name}`));
  const functionPolicies = new Map<string, PolicyDocument>();
  for (const p of of("aws:lambda/permission:Permission")) {
    const arn = functionArn(String(inputs(p).function));
    const policy = functionPolicies.get(arn) ?? { Version: "2012-10-17", Statement: [] };
    policy.Statement.push(permissionStatement(inputs(p), arn, p.name));
    functionPolicies.set(arn, policy);
  }
  const bucketPolicies = new Map<string, PolicyDocument>();
  for (const p of of("aws:s3/bucketPolicy:BucketPolicy")) {
    const bucket = of("aws:s3/bucket:Bucket").find((b) => `${b.name}-id` === inputs(p).bucket || physical(b) === inputs(p).bucket);
    if (!bucket) throw new Error(`bucket policy ${p.name} names no bucket of the render`);
    bucketPolicies.set(`arn:${partition}:s3:::${physical(bucket)}`, doc(inputs(p).policy));
  }
  return {
    account,
    partition,
    region,
    roles,
    functions: of("aws:lambda/function:Function").map(arnOf),
    functionPolicies,
    bucketPolicies,
    secrets: of("aws:secretsmanager/secret:Secret").map((s) => arnOf(s)),
    groups: of("aws:autoscaling/group:Group").map(physical),
    groupTags: new Map(of("aws:autoscaling/group:Group").map((g) => [physical(g), Object.fromEntries(((inputs(g).tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]))])),
    objects: of("aws:s3/bucketObjectv2:BucketObjectv2").map((o) => `arn:${partition}:s3:::${String(inputs(o).bucket)}/${String(inputs(o).key)}`),
  };
}

/** The request context AWS sets for a call on a group: each of its tags as aws:ResourceTag/<key> (none for a group the render does not make). */
export function groupContext(iam: RenderedIam, group: string): Record<string, string> {
  return Object.fromEntries(Object.entries(iam.groupTags.get(group) ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

/** A role session of a rendered role, as AWS names the caller (EC2 sessions are named by instance id). */
export const sessionOf = (iam: RenderedIam, role: RenderedRole, session: string): string => `arn:${iam.partition}:sts::${iam.account}:assumed-role/${role.name}/${session}`;
