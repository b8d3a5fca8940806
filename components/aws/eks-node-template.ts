import type { NodeGroupConfig } from "../../config/schema";

/** The launch template data for a managed node group's instances; pure, so tests check it whole. */
export interface NodeLaunchTemplate {
  metadataOptions: { httpEndpoint: "enabled"; httpTokens: "required"; httpPutResponseHopLimit: number; instanceMetadataTags: "disabled" };
  blockDeviceMappings: { deviceName: string; ebs: { volumeSize: number; volumeType: "gp3"; encrypted: "true"; deleteOnTermination: "true" } }[];
  tagSpecifications: { resourceType: "instance" | "volume"; tags: Record<string, string> }[];
}

/** AL2023 EKS AMIs boot from /dev/xvda. */
const ROOT_DEVICE = "/dev/xvda";

/** Tag that records why a launch template lets pods reach the metadata service; policies look for it. */
export const HOP_LIMIT_REASON_TAG = "runner-fleet:imds-hop-limit-reason";

export function nodeLaunchTemplate(group: NodeGroupConfig, tagsIn: Record<string, string>): NodeLaunchTemplate {
  const tags = group.imdsHopLimitReason ? { ...tagsIn, [HOP_LIMIT_REASON_TAG]: group.imdsHopLimitReason.slice(0, 255) } : tagsIn;
  return {
    // IMDSv2 only; see imdsHopLimit in the schema for why 1 is the default.
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: group.imdsHopLimit, instanceMetadataTags: "disabled" },
    blockDeviceMappings: [{ deviceName: ROOT_DEVICE, ebs: { volumeSize: group.diskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
    tagSpecifications: (["instance", "volume"] as const).map((resourceType) => ({ resourceType, tags })),
  };
}

export function amiType(group: NodeGroupConfig): "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD" {
  return group.arch === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

export function eksTaintEffect(effect: string): "NO_SCHEDULE" | "PREFER_NO_SCHEDULE" | "NO_EXECUTE" {
  return effect === "NoSchedule" ? "NO_SCHEDULE" : effect === "PreferNoSchedule" ? "PREFER_NO_SCHEDULE" : "NO_EXECUTE";
}
