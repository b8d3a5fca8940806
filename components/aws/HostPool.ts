import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import { scheduleSizes } from "./schedule-sizes";
import type { HostPoolModel } from "../../config/host-model";
import type { AwsContext } from "./aws-context";
import { asgArn, hostPolicy, hostTrust } from "./host-policies";
import { amiParameter, rootDevice } from "./host-scripts";
import { hostUserData, type HostWiring } from "./host-user-data";
import { managedPolicy } from "./policy-document";
import { LAUNCH_HOOK } from "../../config/host-model";
import { shortHash } from "../../config/names";
import { MIRROR_MANIFEST_KEY } from "../../protocol/mirror";

export const PUBLIC_IP_TAG = "runner-fleet:public-ip";

export interface HostPoolArgs {
  pool: HostPoolModel;
  agent: { objectArn: pulumi.Input<string>; s3Uri: pulumi.Input<string>; sha256: string };
  /** The pool bucket: the runner mirror hosts install from. */
  bucket: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The control plane's broker: its function (for IAM) and URL (for the agent). */
  broker: { functionName: pulumi.Input<string>; functionArn: pulumi.Input<string>; url: pulumi.Input<string> };
  tags: Record<string, string>;
  /** The stack's account, region and default network, shared by its pools. */
  aws: AwsContext;
}

/** The host role's fixed name (the control plane is told its ARN before it exists); IAM allows 64 characters. */
export function hostRoleName(pool: HostPoolModel): string {
  const full = `${pool.asgName}-host`;
  return full.length <= 64 ? full : `${full.slice(0, 57).replace(/-+$/, "")}-${shortHash(full)}`;
}

export function hostRoleArn(partition: string, account: string, pool: HostPoolModel): string {
  return `arn:${partition}:iam::${account}:role/${hostRoleName(pool)}`;
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

    // Fixed name (the control plane is told its ARN before it exists): a replacement must delete first.
    const role = new aws.iam.Role(
      `${name}-host`,
      { name: hostRoleName(pool), assumeRolePolicy: args.aws.servicePrincipal("ec2").apply((p) => JSON.stringify(hostTrust(p))), tags },
      { parent: this, deleteBeforeReplace: true },
    );
    new aws.iam.RolePolicy(
      `${name}-host`,
      {
        role: role.name,
        policy: pulumi
          .all([args.agent.objectArn, args.bucket.arn, args.broker.functionArn, partition, region, account])
          .apply(([agentObjectArn, bucketArn, brokerFunctionArn, p, r, a]) =>
            JSON.stringify(
              hostPolicy({
                bucketArn,
                agentObjectArn,
                brokerFunctionArn,
                asgArn: asgArn({ partition: p, region: r, account: a, asgName: pool.asgName }),
                completesLaunchHook: pool.lifecycleHookName !== undefined,
              }),
            ),
          ),
      },
      parent,
    );
    // No aws.lambda.Permission per host role: within one account Lambda admits a function-URL call
    // that the caller's identity policy allows (both InvokeFunctionUrl and InvokeFunction, as the
    // role policy grants), and a function policy only adds callers. Two statements per pool made
    // the broker's policy outgrow Lambda's 20 KB near 30 pools. Which roles count is the broker's
    // own check too (control-plane/broker/caller.ts).
    if (c.ssm) {
      new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: partition.apply((p) => managedPolicy(p, "AmazonSSMManagedInstanceCore")) }, parent);
    }
    const profile = new aws.iam.InstanceProfile(`${name}-host`, { role: role.name, tags }, parent);

    const publicIp = c.publicIp ?? c.subnetIds === undefined;
    const userData = pulumi
      .all([region, args.agent.s3Uri, args.broker.url, args.bucket.name, args.aws.dnsSuffix])
      .apply(([r, agentS3Uri, brokerUrl, bucket, dnsSuffix]) => {
        // What the host needs from this stack, and no secret: hosts never hold the credential.
        const wiring: HostWiring = {
          region: r,
          agentS3Uri,
          agentSha256: args.agent.sha256,
          brokerUrl,
          mirror: { bucket, manifestKey: MIRROR_MANIFEST_KEY },
          dnsSuffix,
          ...(pool.lifecycleHookName ? { lifecycleHookName: pool.lifecycleHookName } : {}),
        };
        return Buffer.from(hostUserData(pool, wiring)).toString("base64");
      });
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
        // Warm pools refuse mixed instances policies, so the template names the one type.
        ...(c.warmPool ? { instanceType: c.instanceTypes[0] } : {}),
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
        // A decrementing terminate (a host's idle leave) would otherwise let Auto Scaling
        // "rebalance" zones by terminating other, possibly busy, hosts.
        suspendedProcesses: ["AZRebalance"],
        ...(c.warmPool
          ? {
              launchTemplate: { id: lt.id, version: "$Latest" },
              warmPool: { minSize: c.warmPool.size, poolState: c.warmPool.state, instanceReusePolicy: { reuseOnScaleIn: false } },
            }
          : {
              mixedInstancesPolicy: {
                instancesDistribution: c.spot
                  ? { onDemandBaseCapacity: c.onDemandBase, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: "price-capacity-optimized" }
                  : { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 100, onDemandAllocationStrategy: "prioritized" },
                launchTemplate: {
                  launchTemplateSpecification: { launchTemplateId: lt.id, version: "$Latest" },
                  overrides: c.instanceTypes.map((instanceType) => ({ instanceType })),
                },
              },
            }),
        healthCheckGracePeriod: 300,
        tags: Object.entries({ ...tags, Name: `runner-fleet-${pool.name}` }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
      // The control plane sets desired capacity from GitHub's assigned jobs and hosts lower it
      // when they leave; an `up` must not reset it to the config's value (min and max stay the
      // bounds the control plane works within). The name is fixed (hosts and the control plane
      // are told it up front), so a replacement must delete first.
      { parent: this, ignoreChanges: ["desiredCapacity"], deleteBeforeReplace: true },
    );
    if (pool.lifecycleHookName) {
      // Every launch (into the group or its warm pool) waits until the host has installed and
      // completed this hook. A resource of its own rather than the group's initial hooks, so
      // turning warmPool on for an existing pool adds it too.
      new aws.autoscaling.LifecycleHook(
        `${name}-launch`,
        {
          name: pool.lifecycleHookName,
          autoscalingGroupName: asg.name,
          lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
          heartbeatTimeout: LAUNCH_HOOK.heartbeatTimeoutSeconds,
          defaultResult: LAUNCH_HOOK.defaultResult,
        },
        parent,
      );
    }
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
