import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/*
 * Policies key on resource type tokens, not on our components: whatever component makes a launch
 * template, a security group, an IAM policy or a Helm release is checked the same way.
 */

type Props = Record<string, unknown>;
type Check = (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void;

function forTypes(types: string[], check: Check): (args: ResourceValidationArgs, report: ReportViolation) => void {
  return (args, report) => {
    if (types.includes(args.type)) check(args.props as Props, args, report);
  };
}

const asRecord = (v: unknown): Props => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Props) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const truthy = (v: unknown) => v === true || v === "true";
const tags = (p: Props) => asRecord(p.tags);

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export const launchTemplates: ResourceValidationPolicy = {
  name: "runner-fleet-launch-template-hardening",
  description: "Launch templates require IMDSv2 (hop limit 1 unless a reason is recorded, never above 2), encrypt every disk, set no key pair and no public IP unless allowed.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([LAUNCH_TEMPLATE], (p, _a, report) => {
    const md = asRecord(p.metadataOptions);
    if (md.httpTokens !== "required") report("IMDSv2 must be required (metadataOptions.httpTokens: required).");
    const hop = Number(md.httpPutResponseHopLimit ?? 1);
    if (hop > 2) report(`metadataOptions.httpPutResponseHopLimit is ${hop}; at most 2.`);
    else if (hop > 1 && !tags(p)["runner-fleet:imds-hop-limit-reason"]) report("hop limit 2 lets containers reach the instance role; record why in the runner-fleet:imds-hop-limit-reason tag.");
    const devices = asArray(p.blockDeviceMappings);
    if (devices.length === 0) report("set the root block device explicitly, encrypted.");
    for (const d of devices) if (!truthy(asRecord(asRecord(d).ebs).encrypted)) report(`block device ${String(asRecord(d).deviceName)} is not encrypted.`);
    if (p.keyName !== undefined && p.keyName !== "") report("no SSH key pair: use SSM Session Manager when access is needed.");
    const publicIp = asArray(p.networkInterfaces).some((n) => truthy(asRecord(n).associatePublicIpAddress));
    if (publicIp && tags(p)["runner-fleet:public-ip"] !== "allowed") report("a public IP needs the pool to allow it (runner-fleet:public-ip tag).");
  }),
};

const OPEN = ["0.0.0.0/0", "::/0"];

export const noOpenIngress: ResourceValidationPolicy = {
  name: "runner-fleet-no-open-ingress",
  description: "No security group accepts traffic from the whole internet.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(
    ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    (p, args, report) => {
      const rules =
        args.type === "aws:ec2/securityGroup:SecurityGroup"
          ? asArray(p.ingress).map(asRecord)
          : args.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type !== "ingress"
            ? []
            : [p];
      for (const r of rules) {
        const cidrs = [...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks), r.cidrIpv4, r.cidrIpv6].filter((c) => typeof c === "string");
        if (cidrs.some((c) => OPEN.includes(c as string))) report(`ingress open to ${cidrs.join(", ")}; runner hosts take no inbound traffic.`);
      }
    },
  ),
};

const SCOPED_SERVICES = ["secretsmanager", "ssm", "kms", "autoscaling"];
/**
 * Read-only calls the Service Authorization Reference lists with no resource type: IAM evaluates
 * them only against Resource "*". The control plane needs them to see its groups and warm pools.
 */
const UNSCOPABLE = ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances"];

/** IAM documents as statements, whether given as JSON text or objects. */
function statements(doc: unknown): Props[] {
  const parsed = typeof doc === "string" ? (JSON.parse(doc) as unknown) : doc;
  const s = asRecord(parsed).Statement;
  return (Array.isArray(s) ? s : s ? [s] : []).map(asRecord);
}

export const iamLeastPrivilege: ResourceValidationPolicy = {
  name: "runner-fleet-iam-least-privilege",
  description: "No wildcard action; no wildcard resource for Secrets Manager, SSM, KMS or Auto Scaling actions.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"], (p, _a, report) => {
    for (const st of statements(p.policy)) {
      if (st.Effect !== "Allow") continue;
      const actions = asArray(st.Action ?? []).concat(typeof st.Action === "string" ? [st.Action] : []).map(String);
      const resources = asArray(st.Resource ?? []).concat(typeof st.Resource === "string" ? [st.Resource] : []).map(String);
      if (actions.some((a) => a === "*" || a.endsWith(":*"))) report(`wildcard action in ${JSON.stringify(actions)}`);
      const scoped = actions.filter((a) => SCOPED_SERVICES.includes(a.split(":")[0]!) && !UNSCOPABLE.includes(a));
      if (scoped.length > 0 && resources.includes("*")) report(`${scoped.join(", ")} on Resource "*": name the exact ARN.`);
    }
  }),
};

export const eksHardening: ResourceValidationPolicy = {
  name: "runner-fleet-eks-hardening",
  description: "EKS encrypts Secrets with KMS; the API endpoint is public only when the stack says so.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(["aws:eks/cluster:Cluster"], (p, _a, report) => {
    const enc = asRecord(p.encryptionConfig);
    if (!asArray(enc.resources).includes("secrets") || !asRecord(enc.provider).keyArn) report("Secrets must be envelope-encrypted with a KMS key (encryptionConfig).");
    const vpc = asRecord(p.vpcConfig);
    if (vpc.endpointPublicAccess !== false && tags(p)["runner-fleet:public-endpoint"] !== "allowed") {
      report("the API endpoint is public but the stack did not ask for it (endpointPublicAccess).");
    }
  }),
};

const CREDENTIAL_KEYS = ["github_token", "github_app_private_key", "github_app_id", "github_app_installation_id"];

function findKeys(v: unknown, keys: string[], path = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => findKeys(x, keys, `${path}[${i}]`));
  if (v !== null && typeof v === "object") {
    return Object.entries(v).flatMap(([k, x]) => [...(keys.includes(k) ? [`${path}.${k}`] : []), ...findKeys(x, keys, `${path}.${k}`)]);
  }
  return [];
}

function privileged(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(privileged);
  if (v !== null && typeof v === "object") return Object.entries(v).some(([k, x]) => (k === "privileged" && truthy(x)) || privileged(x));
  return false;
}

export const arcReleases: ResourceValidationPolicy = {
  name: "runner-fleet-arc-release-hardening",
  description: "Runner scale sets name a pre-created credential Secret (never inline) and run privileged only through dind mode.",
  enforcementLevel: "mandatory",
  validateResource: forTypes(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"], (p, _a, report) => {
    const values = asRecord(p.values);
    const inline = findKeys(values, CREDENTIAL_KEYS);
    if (inline.length > 0) report(`credential inline in Helm values at ${inline.join(", ")}; name a Kubernetes Secret in githubConfigSecret.`);
    if (values.githubConfigSecret !== undefined && typeof values.githubConfigSecret !== "string") report("githubConfigSecret must be the name of a Secret.");
    if (privileged(values.template)) report("the runner pod template asks for privileged containers; only containerMode dind may run privileged, and the chart adds that itself.");
  }),
};

export const publicRunnerGroups: ResourceValidationPolicy = {
  name: "runner-fleet-no-public-runner-groups",
  description: "Runner groups do not accept public repositories unless listed in this policy's publicRunnerGroups config.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { publicRunnerGroups: { type: "array", items: { type: "string" }, default: [] } } },
  validateResource: forTypes(["github:index/actionsRunnerGroup:ActionsRunnerGroup"], (p, args, report) => {
    if (!truthy(p.allowsPublicRepositories)) return;
    const allowed = args.getConfig<{ publicRunnerGroups?: string[] }>().publicRunnerGroups ?? [];
    if (!allowed.includes(String(p.name))) report(`runner group "${String(p.name)}" accepts public repositories: anyone's fork could run code on these runners. List it in publicRunnerGroups to allow it.`);
  }),
};

const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";
const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/**
 * The control plane's broker is reached only through an IAM-authenticated function URL, by named
 * principals: never a public URL, never "*" or a whole account, and a service only from one source.
 */
export const lambdaAccess: ResourceValidationPolicy = {
  name: "runner-fleet-lambda-access",
  description: "Function URLs use AWS_IAM auth; function permissions name one role, or a service with its source ARN.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([FUNCTION_URL, LAMBDA_PERMISSION], (p, a, report) => {
    if (a.type === FUNCTION_URL) {
      if (p.authorizationType !== "AWS_IAM") report(`function URL with authorizationType ${String(p.authorizationType)}: use AWS_IAM (hosts sign with their instance role).`);
      return;
    }
    const principal = String(p.principal ?? "");
    const viaUrl = p.action === "lambda:InvokeFunctionUrl" || truthy(p.invokedViaFunctionUrl);
    if (principal === "*" || /^\d{12}$/.test(principal) || /:root$/.test(principal)) report(`${String(p.action)} for ${principal}: name the one role that calls.`);
    else if (principal.endsWith(".amazonaws.com") || principal.endsWith(".amazonaws.com.cn")) {
      if (!p.sourceArn) report(`${String(p.action)} for the service ${principal} without sourceArn: any resource of that service could call.`);
    } else if (viaUrl && p.action === "lambda:InvokeFunctionUrl" && p.functionUrlAuthType !== "AWS_IAM") report("InvokeFunctionUrl must carry functionUrlAuthType AWS_IAM.");
  }),
};

export const logRetention: ResourceValidationPolicy = {
  name: "runner-fleet-log-retention",
  description: "Log groups set a retention; CloudWatch keeps logs (and bills for them) forever otherwise.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([LOG_GROUP], (p, _a, report) => {
    if (!(Number(p.retentionInDays) > 0)) report("set retentionInDays.");
  }),
};

export const policies: ResourceValidationPolicy[] = [launchTemplates, noOpenIngress, iamLeastPrivilege, eksHardening, arcReleases, publicRunnerGroups, lambdaAccess, logRetention];
