import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * Facts about the AWS account and region a stack deploys to, looked up once per stack and shared by
 * every host pool rather than asked again by each.
 */
export interface AwsContext {
  partition: pulumi.Output<string>;
  /** amazonaws.com, amazonaws.com.cn, …: the partition's DNS suffix, for service endpoints and kms:ViaService. */
  dnsSuffix: pulumi.Output<string>;
  region: pulumi.Output<string>;
  account: pulumi.Output<string>;
  /**
   * The service principal a trust policy names, as the provider knows it for this partition and
   * region (not always `<service>.amazonaws.com`: China differs per service). Looked up once per service.
   */
  servicePrincipal(service: string): pulumi.Output<string>;
  /** The default VPC's default subnets, one per availability zone; looked up on first use. */
  defaultSubnetIds(): pulumi.Output<string[]>;
}

export function awsContext(): AwsContext {
  let subnets: pulumi.Output<string[]> | undefined;
  const partition = aws.getPartitionOutput({});
  const principals = new Map<string, pulumi.Output<string>>();
  return {
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
    servicePrincipal: (service) => {
      let p = principals.get(service);
      if (!p) principals.set(service, (p = aws.getServicePrincipalOutput({ serviceName: service }).name));
      return p;
    },
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
