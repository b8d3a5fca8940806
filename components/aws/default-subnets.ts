import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** The default VPC's default subnets, one per availability zone: the quick-start network. */
export function defaultSubnetIds(parent: pulumi.Resource): pulumi.Output<string[]> {
  const vpc = aws.ec2.getVpcOutput({ default: true }, { parent });
  return aws.ec2
    .getSubnetsOutput(
      {
        filters: [
          { name: "vpc-id", values: [vpc.id] },
          { name: "default-for-az", values: ["true"] },
        ],
      },
      { parent },
    )
    .apply((r) => [...r.ids].sort());
}
