import { serviceTrust, type PolicyDocument, type PolicyStatement } from "./policy-document";

/** Hosts are EC2 instances: the trust names EC2's service principal in the stack's partition. */
export const hostTrust = (ec2Principal: string): PolicyDocument => serviceTrust(ec2Principal);

export interface HostPolicyInputs {
  partition: string;
  region: string;
  account: string;
  /** The pool bucket's ARN: hosts read the runner mirror under runner/ and nothing else of it but their agent. */
  bucketArn: string;
  agentObjectArn: string;
  asgArn: string;
  /** The broker function's ARN: hosts call its URL, signed with the instance role. */
  brokerFunctionArn: string;
  /** With a warm pool: the host completes its own group's launch hook. */
  completesLaunchHook: boolean;
}

export function asgArn(o: { partition: string; region: string; account: string; asgName: string }): string {
  return `arn:${o.partition}:autoscaling:${o.region}:${o.account}:autoScalingGroup:*:autoScalingGroupName/${o.asgName}`;
}

/**
 * The condition that limits an EC2 action to the calling instance itself: the instance role's
 * credentials carry `ec2:SourceInstanceARN`, and `aws:ARN` is the resource acted on. The same
 * statement terraform-aws-github-runner gives its runners (modules/runners/policies/instance-ec2.json)
 * and cdk-github-runners uses for terminate-self.
 */
export const ONLY_SELF = { StringEquals: { "aws:ARN": "${ec2:SourceInstanceARN}" } };

/**
 * What a host may do: read the runner mirror and its agent, ask the broker for JIT configs, and
 * take itself out of its own group. No secret: the GitHub credential stays with the control plane.
 */
export function hostPolicy(i: HostPolicyInputs): PolicyDocument {
  const statements: PolicyStatement[] = [
    { Sid: "ReadRunnerMirror", Effect: "Allow", Action: "s3:GetObject", Resource: [`${i.bucketArn}/runner/*`, i.agentObjectArn] },
    {
      Sid: "AskBroker",
      Effect: "Allow",
      Action: "lambda:InvokeFunctionUrl",
      Resource: i.brokerFunctionArn,
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    },
    // Function URLs made since October 2025 also check lambda:InvokeFunction (Lambda's urls-auth
    // guide); held to calls that come through the URL, so a host cannot invoke the function directly.
    {
      Sid: "AskBrokerViaUrl",
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: i.brokerFunctionArn,
      Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } },
    },
    { Sid: "TerminateSelf", Effect: "Allow", Action: "ec2:TerminateInstances", Resource: `arn:${i.partition}:ec2:${i.region}:${i.account}:instance/*`, Condition: ONLY_SELF },
    // The idle leave must lower desired capacity with the terminate, or the group launches a
    // replacement. IAM cannot narrow this action to the caller's own instance (Auto Scaling has no
    // per-instance resource or SourceInstanceARN check), so a host could remove another host of
    // its own group; never one of another group.
    { Sid: "LeaveOwnGroup", Effect: "Allow", Action: "autoscaling:TerminateInstanceInAutoScalingGroup", Resource: i.asgArn },
  ];
  if (i.completesLaunchHook) {
    statements.push({ Sid: "CompleteOwnLaunchHook", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: i.asgArn });
  }
  return { Version: "2012-10-17", Statement: statements };
}
