import { serviceTrust, type PolicyDocument, type PolicyStatement } from "../aws/policy-document";

/** The functions' role: Lambda's service principal in the stack's partition. */
export const lambdaTrust = (lambdaPrincipal: string): PolicyDocument => serviceTrust(lambdaPrincipal);

/**
 * The AWS actions the control plane's code calls, by the resource they act on. The control plane
 * keeps the authoritative list in control-plane/iam-actions.ts (its tests hold it to the SDK calls
 * the code makes); components may not import control-plane/, so this is a copy, and
 * test/unit/control-plane-iam.test.ts fails when the two differ.
 */
export const CONTROL_PLANE_ACTIONS = {
  credentialSecret: ["secretsmanager:GetSecretValue"],
  poolGroups: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
  describe: ["autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeAutoScalingGroups"],
  bucket: ["s3:ListBucket"],
  bucketObjects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
  logGroup: ["logs:CreateLogStream", "logs:PutLogEvents"],
} as const;

/** Where in the pool bucket the control plane reads and writes: broker records, host marks, the runner mirror, listener state. */
export const CONTROL_PLANE_BUCKET_PREFIXES = ["broker/", "hosts/", "runner/", "listener/"] as const;

/**
 * Read-only calls that IAM cannot scope to a resource (the Service Authorization Reference lists
 * no resource type for them), so they take Resource "*". The only wildcards the control plane has.
 */
export const UNSCOPABLE_ACTIONS = CONTROL_PLANE_ACTIONS.describe;

export interface ControlPlanePolicyInputs {
  region: string;
  /** The partition's DNS suffix (amazonaws.com, amazonaws.com.cn, …), for kms:ViaService. */
  dnsSuffix: string;
  secretArn: string;
  /** Only with a customer-managed key; the AWS-managed key needs no grant. */
  kmsKeyArn?: string;
  bucketArn: string;
  /**
   * The stack's Auto Scaling groups, as one grant whatever the pool count: the ARN with the
   * stack's group-name prefix (autoScalingGroupName/<prefix>*), and the tags every group of the
   * stack carries. The prefix alone is not unique (stack prod's "runner-fleet-prod-" also starts
   * stack prod-eu's groups), the tags are.
   */
  poolGroups: { arn: string; tags: Record<string, string> };
  /** The log group both functions write to (without the trailing :*). */
  logGroupArn: string;
}

/**
 * What the control plane may do, each on exact ARNs or (the pools' groups) the stack's own name
 * prefix and tags; the only role that may read the credential. Its size does not grow with the
 * pools: IAM caps a role's inline policies at 10,240 characters, which one ARN per pool reached
 * near 90 pools (test/program/policy-size.test.ts).
 */
export function controlPlanePolicy(i: ControlPlanePolicyInputs): PolicyDocument {
  const a = CONTROL_PLANE_ACTIONS;
  const groupTags = Object.fromEntries(Object.entries(i.poolGroups.tags).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const prefixes = [...CONTROL_PLANE_BUCKET_PREFIXES];
  const one = (actions: readonly string[]): string | string[] => (actions.length === 1 ? actions[0]! : [...actions]);
  const statements: PolicyStatement[] = [
    { Sid: "ReadGithubCredential", Effect: "Allow", Action: one(a.credentialSecret), Resource: i.secretArn },
    { Sid: "PoolGroups", Effect: "Allow", Action: one(a.poolGroups), Resource: i.poolGroups.arn, Condition: { StringEquals: groupTags } },
    { Sid: "DescribeUnscopable", Effect: "Allow", Action: [...a.describe], Resource: "*" },
    { Sid: "BucketObjects", Effect: "Allow", Action: [...a.bucketObjects], Resource: prefixes.map((p) => `${i.bucketArn}/${p}*`) },
    // Unconditioned: S3 answers a read of a missing object 404 only to a caller allowed
    // s3:ListBucket, and does not document which s3:prefix it checks; under an s3:prefix condition
    // the listener's first read of its state could be a 403. Key names only, nothing of the contents.
    { Sid: "ListBucket", Effect: "Allow", Action: one(a.bucket), Resource: i.bucketArn },
    { Sid: "WriteLogs", Effect: "Allow", Action: [...a.logGroup], Resource: `${i.logGroupArn}:*` },
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
