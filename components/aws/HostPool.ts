import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import { scheduleSizes } from "./schedule-sizes";
import type { HostPoolModel } from "../../config/host-model";
import type { AwsContext } from "./aws-context";
import { asgArn, hostPolicy, hostTrust } from "./host-policies";
import { amiParameter, rootDevice } from "./host-scripts";
import { hostUserData } from "./host-user-data";
import { managedPolicy } from "./policy-document";

export const PUBLIC_IP_TAG = "runner-fleet:public-ip";

export interface HostPoolArgs {
  pool: HostPoolModel;
  secretArn: pulumi.Input<string>;
  kmsKeyArn?: string;
  agent: { objectArn: pulumi.Input<string>; s3Uri: pulumi.Input<string>; sha256: string };
  tags: Record<string, string>;
  /** The stack's account, region and default network, shared by its pools. */
  aws: AwsContext;
}

/**
 * EC2 runner hosts of one architecture: an Auto Scaling group over several instance types (spot
 * with an on-demand base when asked), booted from a launch template with IMDSv2 only, an encrypted
 * root disk and no key pair, running the host agent that registers `runnersPerHost` runners.
 */
export class HostPool extends pulumi.ComponentResource {
  readonly asgName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly launchTemplateId: pulumi.Output<string>;

  constructor(name: string, args: HostPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("HostPool", opts);
    super(type, name, {}, options);
    const { pool } = args;
    const c = pool.config;
    const parent = { parent: this };
    const tags = { ...args.tags, "runner-fleet:pool": pool.name, "runner-fleet:arch": pool.arch };
    const { partition, region, account } = args.aws;

    const subnetIds = c.subnetIds ? pulumi.output([...c.subnetIds].sort()) : args.aws.defaultSubnetIds();
    const vpcId = subnetIds.apply((ids) => aws.ec2.getSubnetOutput({ id: ids[0] }, parent).vpcId);
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId,
        description: `runner-fleet ${pool.name}: egress only, nothing may connect in`,
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "GitHub, package mirrors, AWS APIs" }],
        tags,
      },
      parent,
    );

    const role = new aws.iam.Role(`${name}-host`, { assumeRolePolicy: args.aws.servicePrincipal("ec2").apply((p) => JSON.stringify(hostTrust(p))), tags }, parent);
    new aws.iam.RolePolicy(
      `${name}-host`,
      {
        role: role.name,
        policy: pulumi
          .all([args.secretArn, args.agent.objectArn, partition, region, account, args.aws.dnsSuffix])
          .apply(([secretArn, agentObjectArn, p, r, a, dnsSuffix]) =>
            JSON.stringify(
              hostPolicy({
                secretArn,
                agentObjectArn,
                asgArn: asgArn({ partition: p, region: r, account: a, asgName: pool.asgName }),
                region: r,
                dnsSuffix,
                ...(args.kmsKeyArn ? { kmsKeyArn: args.kmsKeyArn } : {}),
              }),
            ),
          ),
      },
      parent,
    );
    if (c.ssm) {
      new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: partition.apply((p) => managedPolicy(p, "AmazonSSMManagedInstanceCore")) }, parent);
    }
    const profile = new aws.iam.InstanceProfile(`${name}-host`, { role: role.name, tags }, parent);

    const publicIp = c.publicIp ?? c.subnetIds === undefined;
    const userData = pulumi
      .all([args.secretArn, region, args.agent.s3Uri])
      .apply(([secretArn, r, agentS3Uri]) => Buffer.from(hostUserData(pool, { secretArn, region: r, agentS3Uri, agentSha256: args.agent.sha256 })).toString("base64"));
    const lt = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `runner-fleet host pool ${pool.name} (${pool.arch})`,
        // Resolved by EC2 at every launch: new hosts always boot the OS's current image.
        imageId: `resolve:ssm:${amiParameter(c.os, pool.arch)}`,
        iamInstanceProfile: { arn: profile.arn },
        networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: String(publicIp), securityGroups: [sg.id], deleteOnTermination: "true" }],
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
          { deviceName: rootDevice(c.os), ebs: { volumeSize: c.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ],
        userData,
        updateDefaultVersion: true,
        tagSpecifications: (["instance", "volume"] as const).map((resourceType) => ({ resourceType, tags })),
        // Policies allow a public IP only where the pool asked for one (or runs in the default VPC).
        tags: publicIp ? { ...tags, [PUBLIC_IP_TAG]: "allowed" } : tags,
      },
      parent,
    );

    const asg = new aws.autoscaling.Group(
      `${name}-asg`,
      {
        name: pool.asgName,
        minSize: c.capacity.min,
        maxSize: c.capacity.max,
        desiredCapacity: c.capacity.desired,
        vpcZoneIdentifiers: subnetIds,
        capacityRebalance: c.spot,
        mixedInstancesPolicy: {
          instancesDistribution: c.spot
            ? { onDemandBaseCapacity: c.onDemandBase, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: "price-capacity-optimized" }
            : { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 100, onDemandAllocationStrategy: "prioritized" },
          launchTemplate: {
            launchTemplateSpecification: { launchTemplateId: lt.id, version: "$Latest" },
            overrides: c.instanceTypes.map((instanceType) => ({ instanceType })),
          },
        },
        healthCheckGracePeriod: 300,
        tags: Object.entries({ ...tags, Name: `runner-fleet-${pool.name}` }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      // Hosts leave by lowering desired capacity themselves; an `up` must not put them back. The
      // name is fixed (hosts are told it up front), so a replacement must delete first.
      { parent: this, ignoreChanges: ["desiredCapacity"], deleteBeforeReplace: true },
    );
    for (const s of c.schedules) {
      new aws.autoscaling.Schedule(
        `${name}-${s.name}`,
        {
          autoscalingGroupName: asg.name,
          scheduledActionName: s.name,
          recurrence: s.recurrence,
          timeZone: s.timeZone,
          ...scheduleSizes(s),
        },
        parent,
      );
    }
    this.asgName = asg.name;
    this.roleArn = role.arn;
    this.launchTemplateId = lt.id;
    this.registerOutputs({ asgName: this.asgName, roleArn: this.roleArn, launchTemplateId: this.launchTemplateId });
  }
}
