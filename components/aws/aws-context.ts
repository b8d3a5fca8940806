import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * Facts about the AWS account and region a stack deploys to, looked up once per stack and shared by
 * every host pool rather than asked again by each.
 */
export interface AwsContext {
  partition: pulumi.Output<string>;
  region: pulumi.Output<string>;
  account: pulumi.Output<string>;
  /** The default VPC's default subnets, one per availability zone; looked up on first use. */
  defaultSubnetIds(): pulumi.Output<string[]>;
}

export function awsContext(): AwsContext {
  let subnets: pulumi.Output<string[]> | undefined;
  return {
    partition: aws.getPartitionOutput({}).partition,
    region: aws.getRegionOutput({}).region,
    account: aws.getCallerIdentityOutput({}).accountId,
    defaultSubnetIds: () => (subnets ??= defaultSubnetIds()),
  };
}

/** The quick-start network: the default VPC's default-for-AZ subnets. */
export function defaultSubnetIds(parent?: pulumi.Resource): pulumi.Output<string[]> {
  const opts = parent ? { parent } : {};
  const vpc = aws.ec2.getVpcOutput({ default: true }, opts);
  return aws.ec2
    .getSubnetsOutput(
      {
        filters: [
          { name: "vpc-id", values: [vpc.id] },
          { name: "default-for-az", values: ["true"] },
        ],
      },
      opts,
    )
    .apply((r) => [...r.ids].sort());
}
