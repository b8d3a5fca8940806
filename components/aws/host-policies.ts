import { serviceTrust, type PolicyDocument, type PolicyStatement } from "./policy-document";

/** Hosts are EC2 instances: the trust names EC2's service principal in the stack's partition. */
export const hostTrust = (ec2Principal: string): PolicyDocument => serviceTrust(ec2Principal);

export interface HostPolicyInputs {
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
 * What a host may do: read the runner mirror and its agent, ask the broker (JIT configs, reports,
 * leaving its group), and complete its own group's launch hook. No secret: the GitHub credential
 * stays with the control plane. No terminate of any kind: IAM cannot narrow Auto Scaling's
 * terminate to the caller's own instance (a host could end its neighbours' jobs), so the broker
 * terminates a leaving host, the one its verified role session names.
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
  ];
  // Auto Scaling cannot narrow this one to the caller's instance either; at worst a host could
  // abandon another that is still launching (waiting in the hook), which holds no job yet.
  if (i.completesLaunchHook) {
    statements.push({ Sid: "CompleteOwnLaunchHook", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: i.asgArn });
  }
  return { Version: "2012-10-17", Statement: statements };
}
