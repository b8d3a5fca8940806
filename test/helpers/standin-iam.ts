import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyDocument } from "../../components/aws/policy-document";
import { renderStackFile } from "../../tools/render-stack-file";
import type { StackFileConfig } from "../../tools/stack-file";
import { REPO } from "./env";
import { authorize, type IamDecision, type IamRequest } from "./iam";
import { groupContext, renderedIam, type RenderedIam } from "./rendered-iam";

/**
 * The policies a stand-in authorises with: one host pool's role policy and the broker's function
 * policy exactly as the program renders them (Pulumi.prod.yaml, its kvm-x64 pool given a warm pool
 * so the launch-hook grant is rendered too), moved into the test's world by replacing the render's
 * names (account, region, role, group, bucket, agent key) with the world's. Nothing is written by hand.
 */
export interface WorldNames {
  account: string;
  region: string;
  /** The host role's name in the world. */
  role: string;
  asgName: string;
  bucket: string;
  /** The agent object's key in the world's bucket (agent/<sha256>/agent.js). */
  agentKey?: string;
  /**
   * The world's groups that belong to the stack (default: asgName alone): they carry the tags the
   * render gives its groups. Their names must start with `groupPrefix`, which plays the render's
   * stack prefix (runner-fleet-prod-) in the control plane's grant (default: asgName itself).
   */
  stackGroups?: string[];
  groupPrefix?: string;
  /** The credential secret's ARN in the world (moto gives it a random suffix); the render's is swapped for it. */
  secretArn?: string;
}

export interface StandinIam {
  names: WorldNames;
  /** The host role's identity policies. */
  hostPolicies: PolicyDocument[];
  /** The broker's function ARN and resource policy (from its aws.lambda.Permission resources; the render has none for it). */
  brokerArn: string;
  brokerPolicy?: PolicyDocument;
  /** The control plane's role policies as rendered, moved into the world (role CONTROL_PLANE_ROLE). */
  controlPlanePolicies: PolicyDocument[];
  /** The control plane's caller ARN in the world: its role's session as Lambda names it. */
  controlPlaneSession: string;
  /** The bucket's policy as rendered, moved into the world. */
  bucketPolicy: PolicyDocument;
  /** The tags the render gives the stack's groups: the world's stack groups must carry them. */
  stackTags: Record<string, string>;
  /** Identity policies of a role by name (the host role and the control plane's; anyone else has none). */
  identity(role: string): PolicyDocument[];
  asgArn(name: string): string;
  /** What AWS puts in the request context for a call on a group: its tags (the render's, for the stack's groups; none for others). */
  groupContext(name: string): Record<string, string>;
  authorize(req: IamRequest, resource?: PolicyDocument): Promise<IamDecision>;
}

const POOL = "kvm-x64";
/** The control plane's role name in every test world. */
export const CONTROL_PLANE_ROLE = "runner-fleet-control-plane";
const PROD_REGION = "eu-west-1";

/** Pulumi.prod.yaml with the kvm-x64 pool on one instance type and a warm pool (AWS allows warm pools only so). */
function withWarmPool(f: StackFileConfig): StackFileConfig {
  const key = "runner-fleet:hostPools";
  const pools = JSON.parse(f.config[key]!) as { name: string; instanceTypes: string[]; warmPool?: { size: number } }[];
  const next = pools.map((p) => (p.name === POOL ? { ...p, instanceTypes: [p.instanceTypes[0]!], warmPool: { size: 1 } } : p));
  return { ...f, config: { ...f.config, [key]: JSON.stringify(next) } };
}

let rendered: Promise<RenderedIam> | undefined;
/** Rendered once per test process. */
export function renderedProdIam(): Promise<RenderedIam> {
  rendered ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "standin-iam-"));
    for (const f of readdirSync(REPO)) if (f === "Pulumi.yaml" || f === "Pulumi.prod.yaml") copyFileSync(join(REPO, f), join(dir, f));
    return renderedIam(await renderStackFile(dir, "prod", () => undefined, withWarmPool), PROD_REGION);
  })();
  return rendered;
}

export async function standinIam(names: WorldNames): Promise<StandinIam> {
  const iam = await renderedProdIam();
  const role = iam.roles.find((r) => r.name === `runner-fleet-prod-${POOL}-host`);
  if (!role) throw new Error(`the render has no ${POOL} host role`);
  const [brokerArn] = iam.functions.filter((a) => a.endsWith(":function:control-plane-broker")) as [string];
  const [agentObject] = iam.objects.filter((o) => o.includes("/agent/")) as [string];
  const [bucketArn] = [...iam.bucketPolicies.keys()] as [string];
  const renderedBucket = bucketArn.replace(/^arn:aws:s3:::/, "");
  const renderedAgentKey = agentObject.slice(bucketArn.length + 1);
  const renderedGroup = `runner-fleet-prod-${POOL}`;
  const groupPrefix = names.groupPrefix ?? names.asgName;
  const stackGroups = names.stackGroups ?? [names.asgName];
  const strays = stackGroups.filter((g) => !g.startsWith(groupPrefix));
  if (strays.length) throw new Error(`world groups ${strays.join(", ")} do not start with the world's group prefix ${groupPrefix}`);
  // Longest names first: the role name contains the group's.
  const swaps: [string, string][] = [
    [role.name, names.role],
    // The control plane's grant: the stack's prefix pattern (components/control-plane/policies.ts).
    ["autoScalingGroupName/runner-fleet-prod-*", `autoScalingGroupName/${groupPrefix}*`],
    [renderedGroup, names.asgName],
    [`arn:aws:s3:::${renderedBucket}`, `arn:aws:s3:::${names.bucket}`],
    ...(names.agentKey ? [[renderedAgentKey, names.agentKey] as [string, string]] : []),
    ...(names.secretArn ? [[iam.secrets[0]!, names.secretArn] as [string, string]] : []),
    [iam.account, names.account],
    [`:${PROD_REGION}:`, `:${names.region}:`],
  ];
  const move = (doc: PolicyDocument): PolicyDocument => {
    let text = JSON.stringify(doc);
    for (const [from, to] of swaps) text = text.split(from).join(to);
    return JSON.parse(text) as PolicyDocument;
  };
  const renderedBrokerPolicy = iam.functionPolicies.get(brokerArn);
  const brokerPolicy = renderedBrokerPolicy && move(renderedBrokerPolicy);
  const tags = Object.fromEntries(Object.entries(groupContext(iam, renderedGroup)));
  if (Object.keys(tags).length === 0) throw new Error(`the render's group ${renderedGroup} carries no tags`);
  const hostPolicies = role.inline.map(move);
  // The only role allowed to read the credential is the control plane's (test/program/iam-claims.test.ts).
  const cp = iam.roles.find((r) => r.inline.some((d) => JSON.stringify(d).includes("secretsmanager:GetSecretValue")));
  if (!cp) throw new Error("the render has no control-plane role");
  const cpSwap = (doc: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(move(doc)).split(cp.name).join(CONTROL_PLANE_ROLE)) as PolicyDocument;
  const controlPlanePolicies = cp.inline.map(cpSwap);
  const controlPlaneSession = `arn:aws:sts::${names.account}:assumed-role/${CONTROL_PLANE_ROLE}/control-plane-broker`;
  const identityOf = (r: string): PolicyDocument[] => (r === names.role ? hostPolicies : r === CONTROL_PLANE_ROLE ? controlPlanePolicies : []);
  return {
    names,
    hostPolicies,
    controlPlanePolicies,
    controlPlaneSession,
    brokerArn: brokerArn.split(iam.account).join(names.account).replace(`:${PROD_REGION}:`, `:${names.region}:`),
    ...(brokerPolicy ? { brokerPolicy } : {}),
    bucketPolicy: move(iam.bucketPolicies.get(bucketArn)!),
    stackTags: Object.fromEntries(Object.entries(iam.groupTags.get(renderedGroup) ?? {})),
    identity: identityOf,
    groupContext: (name) => (stackGroups.includes(name) ? { ...tags } : {}),
    asgArn: (name) => `arn:aws:autoscaling:${names.region}:${names.account}:autoScalingGroup:0b5e4f55-1c8e-4ab0-9a4c-000000000000:autoScalingGroupName/${name}`,
    authorize: (req, resource) => {
      const m = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\//.exec(req.principal);
      return authorize(req, { identity: m ? identityOf(m[1]!) : [], ...(resource ? { resource } : {}) });
    },
  };
}
