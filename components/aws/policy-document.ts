/** An IAM policy document, typed so tests can check every statement. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { Service?: string | string[]; Federated?: string; AWS?: string | string[] };
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export function serviceTrust(service: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] };
}

/** The ARN of an AWS-managed policy in the given partition (aws, aws-us-gov, aws-cn). */
export function managedPolicy(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}
