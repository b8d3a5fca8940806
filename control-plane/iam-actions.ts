/**
 * Every AWS API action the control plane's code calls, grouped by the resource it acts on, so the
 * ControlPlane component can grant exactly these on exact ARNs. test/unit/control-plane-iam.test.ts
 * fails when this list and the SDK commands control-plane/ sends disagree; test/program/iam-claims.test.ts
 * holds the rendered control-plane policy to exactly these actions, and test/program/iam-mutation.test.ts
 * shows each grant is needed by a call the code makes.
 *
 * For the component:
 * - credentialSecret: the GitHub credential's secret ARN only. No other role may read it (host
 *   roles lose secretsmanager:GetSecretValue). A customer-managed KMS key also needs kms:Decrypt
 *   with kms:ViaService = secretsmanager.<region>.<dns suffix>.
 * - poolGroups: the stack's Auto Scaling groups, one grant at any pool count: the group-name prefix
 *   (arn:<partition>:autoscaling:<region>:<acct>:autoScalingGroup:*:autoScalingGroupName/<project>-<stack>-*)
 *   and the groups' runner-fleet:project / runner-fleet:stack tags (aws:ResourceTag).
 * - describe: these Describe* actions take no resource-level permissions: Resource "*".
 * - bucket: the bucket ARN, unconditioned (S3's 404 for a missing object needs s3:ListBucket,
 *   and which s3:prefix S3 checks for it is not documented).
 * - bucketObjects: <bucket ARN>/<prefix>* for each of `bucketPrefixes`.
 * - logGroup: the function's log group (metrics are embedded-metric-format log lines: no
 *   cloudwatch:PutMetricData).
 * - The function URL admits the pools' host roles through their role policies (no function policy:
 *   within one account it could only add callers): lambda:InvokeFunctionUrl with
 *   lambda:FunctionUrlAuthType = AWS_IAM, and (required for URLs made since October 2025)
 *   lambda:InvokeFunction only with lambda:InvokedViaFunctionUrl = true — without that condition a
 *   host role could invoke the function directly with a forged requestContext naming another instance.
 */
export const CONTROL_PLANE_IAM_ACTIONS = {
  credentialSecret: ["secretsmanager:GetSecretValue"],
  poolGroups: [
    // listener: raise the group's desired capacity at once (never lowers it)
    "autoscaling:SetDesiredCapacity",
    // reaper: replace hosts that never registered or failed to install (never decrementing)
    "autoscaling:TerminateInstanceInAutoScalingGroup",
  ],
  describe: [
    // broker: which group and lifecycle state the calling instance is in
    "autoscaling:DescribeAutoScalingInstances",
    // reaper: the groups' members; listener: the group's current desired capacity
    "autoscaling:DescribeAutoScalingGroups",
  ],
  bucket: ["s3:ListBucket"],
  bucketObjects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
  logGroup: ["logs:CreateLogStream", "logs:PutLogEvents"],
} as const;

/** Where in the bucket the control plane reads and writes: broker records, host marks, the runner mirror, listener sessions. */
export const CONTROL_PLANE_BUCKET_PREFIXES = ["broker/", "hosts/", "runner/", "listener/"] as const;

export type ControlPlaneResourceKind = keyof typeof CONTROL_PLANE_IAM_ACTIONS;
