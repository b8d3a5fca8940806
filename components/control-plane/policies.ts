import { serviceTrust, type PolicyDocument, type PolicyStatement } from "../aws/policy-document";
import { MIRROR_PREFIX } from "../../protocol/mirror";

/** The functions' role: Lambda's service principal in the stack's partition. */
export const lambdaTrust = (lambdaPrincipal: string): PolicyDocument => serviceTrust(lambdaPrincipal);

/** The control plane's own prefix in the pool bucket (sessions, issued runners). */
export const STATE_PREFIX = "state/";

/**
 * Read-only calls that IAM cannot scope to a resource (the service authorization reference lists
 * no resource type for them), so they take Resource "*". The only wildcards the control plane has.
 */
export const UNSCOPABLE_ACTIONS = ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeWarmPool", "ec2:DescribeInstances"] as const;

export interface ControlPlanePolicyInputs {
  region: string;
  /** The partition's DNS suffix (amazonaws.com, amazonaws.com.cn, …), for kms:ViaService. */
  dnsSuffix: string;
  secretArn: string;
  /** Only with a customer-managed key; the AWS-managed key needs no grant. */
  kmsKeyArn?: string;
  bucketArn: string;
  asgArns: string[];
  /** The log group both functions write to (without the trailing :*). */
  logGroupArn: string;
}

/** What the control plane may do, each on exact ARNs; the only role that may read the credential. */
export function controlPlanePolicy(i: ControlPlanePolicyInputs): PolicyDocument {
  const asgArns = [...i.asgArns].sort();
  const statements: PolicyStatement[] = [
    { Sid: "ReadGithubCredential", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: i.secretArn },
    { Sid: "ScalePoolGroups", Effect: "Allow", Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"], Resource: asgArns },
    { Sid: "DescribeUnscopable", Effect: "Allow", Action: [...UNSCOPABLE_ACTIONS], Resource: "*" },
    {
      Sid: "MirrorAndState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: [`${i.bucketArn}/${MIRROR_PREFIX}*`, `${i.bucketArn}/${STATE_PREFIX}*`],
    },
    { Sid: "ListMirrorAndState", Effect: "Allow", Action: "s3:ListBucket", Resource: i.bucketArn, Condition: { StringLike: { "s3:prefix": [`${MIRROR_PREFIX}*`, `${STATE_PREFIX}*`] } } },
    { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${i.logGroupArn}:*` },
  ];
  if (i.kmsKeyArn) {
    statements.push({
      Sid: "DecryptCredential",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: i.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${i.region}.${i.dnsSuffix}` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
