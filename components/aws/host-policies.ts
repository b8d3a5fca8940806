import { serviceTrust, type PolicyDocument, type PolicyStatement } from "./policy-document";

export const HOST_TRUST = serviceTrust("ec2.amazonaws.com");

export interface HostPolicyInputs {
  secretArn: string;
  /** Only with a customer-managed key; the AWS-managed key needs no grant. */
  kmsKeyArn?: string;
  agentObjectArn: string;
  asgArn: string;
  region: string;
}

export function asgArn(o: { partition: string; region: string; account: string; asgName: string }): string {
  return `arn:${o.partition}:autoscaling:${o.region}:${o.account}:autoScalingGroup:*:autoScalingGroupName/${o.asgName}`;
}

/**
 * What a host may do, each on exactly one resource: read this stack's credential, fetch the agent
 * bundle, and take itself out of its own group. Nothing else, and no wildcard resource.
 */
export function hostPolicy(i: HostPolicyInputs): PolicyDocument {
  const statements: PolicyStatement[] = [
    { Sid: "ReadGithubCredential", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: i.secretArn },
    { Sid: "FetchAgent", Effect: "Allow", Action: "s3:GetObject", Resource: i.agentObjectArn },
    { Sid: "LeaveOwnGroup", Effect: "Allow", Action: "autoscaling:TerminateInstanceInAutoScalingGroup", Resource: i.asgArn },
  ];
  if (i.kmsKeyArn) {
    statements.push({
      Sid: "DecryptCredential",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: i.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${i.region}.amazonaws.com` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
