import { serviceTrust, type PolicyDocument, type PolicyStatement } from "./policy-document";

/** Hosts are EC2 instances: the trust names EC2's service principal in the stack's partition. */
export const hostTrust = (ec2Principal: string): PolicyDocument => serviceTrust(ec2Principal);

export interface HostPolicyInputs {
  secretArn: string;
  /** Only with a customer-managed key; the AWS-managed key needs no grant. */
  kmsKeyArn?: string;
  agentObjectArn: string;
  asgArn: string;
  region: string;
  /** The partition's DNS suffix (amazonaws.com, amazonaws.com.cn, …). */
  dnsSuffix: string;
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
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${i.region}.${i.dnsSuffix}` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
