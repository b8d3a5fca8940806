import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import type { NodeGroupConfig } from "../../config/schema";
import { PRIVILEGED_NODE_LABEL, PRIVILEGED_TAINT } from "../../config/names";
import { amiType, eksTaintEffect, nodeLaunchTemplate } from "./eks-node-template";

export interface EksNodeGroupArgs {
  clusterName: pulumi.Input<string>;
  group: NodeGroupConfig;
  nodeRoleArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  tags: Record<string, string>;
}

/** A managed node group of one architecture, booted from a launch template with IMDSv2 and encrypted disks. */
export class EksNodeGroup extends pulumi.ComponentResource {
  readonly nodeGroupName: pulumi.Output<string>;

  constructor(name: string, args: EksNodeGroupArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("EksNodeGroup", opts);
    super(type, name, {}, options);
    const g = args.group;
    const tags = { ...args.tags, "runner-fleet:node-group": g.name, "runner-fleet:arch": g.arch };
    const template = nodeLaunchTemplate(g, tags);
    const lt = new aws.ec2.LaunchTemplate(`${name}-lt`, { ...template, updateDefaultVersion: true, tags: template.tagSpecifications[0]!.tags }, { parent: this });
    const ng = new aws.eks.NodeGroup(
      name,
      {
        clusterName: args.clusterName,
        nodeGroupName: name,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds: args.subnetIds,
        amiType: amiType(g),
        instanceTypes: g.instanceTypes,
        capacityType: g.capacityType === "spot" ? "SPOT" : "ON_DEMAND",
        scalingConfig: { minSize: g.scaling.min, desiredSize: g.scaling.desired, maxSize: g.scaling.max },
        labels: { ...g.labels, "runner-fleet/node-group": g.name, ...(g.privileged ? { [PRIVILEGED_NODE_LABEL]: "true" } : {}) },
        taints: [...g.taints, ...(g.privileged ? [PRIVILEGED_TAINT] : [])].sort((a, b) => `${a.key}${a.effect}`.localeCompare(`${b.key}${b.effect}`)).map((t) => ({ key: t.key, ...(t.value === undefined ? {} : { value: t.value }), effect: eksTaintEffect(t.effect) })),
        launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) },
        updateConfig: { maxUnavailable: 1 },
        tags,
      },
      // The autoscaler (or a person) moves desired size; a later `up` must not reset it.
      { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
    );
    this.nodeGroupName = ng.nodeGroupName;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName });
  }
}
