import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eksKubeconfig } from "../../components/aws/eks-kubeconfig";
import { amiType, eksTaintEffect, nodeLaunchTemplate } from "../../components/aws/eks-node-template";
import { clusterAdminAccessPolicy, clusterPolicies, ebsCsiPolicies, ebsCsiTrust, eksClusterTrust, eksNodeTrust, nodePolicies } from "../../components/aws/eks-policies";
import type { PolicyDocument } from "../../components/aws/policy-document";
import { clusterFacts } from "../../config/cluster-facts";
import { arcSchema } from "../../config/schema";
import { nodeGroupSchema, clusterSchema } from "../../config/schema";

const group = (extra: Record<string, unknown> = {}) => nodeGroupSchema.parse({ name: "g", arch: "arm64", instanceTypes: ["c7g.large"], ...extra });

/** Every statement's actions and resources, to check no wildcard slipped in. */
function wildcards(doc: PolicyDocument): string[] {
  return doc.Statement.flatMap((s) => [s.Action, s.Resource ?? []].flat()).filter((x) => x === "*" || x.endsWith(":*"));
}

describe("EKS IAM documents", () => {
  it("trust only the service that needs each role", () => {
    expect(eksClusterTrust("eks.amazonaws.com").Statement).toEqual([{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(eksNodeTrust("ec2.amazonaws.com").Statement[0]!.Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  it("scope the EBS CSI role to one service account of one issuer, for STS only", () => {
    const doc = ebsCsiTrust("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC");
    expect(doc.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
          },
        },
      },
    ]);
    expect(wildcards(doc)).toEqual([]);
  });

  it("use AWS-managed policies of the stack's partition", () => {
    expect(clusterPolicies("aws-us-gov")).toEqual(["arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy"]);
    expect(nodePolicies("aws")).toEqual([
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
    expect(ebsCsiPolicies("aws-cn")).toEqual(["arn:aws-cn:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
    expect(clusterAdminAccessPolicy("aws")).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
  });
});

describe("node launch template", () => {
  it("requires IMDSv2 with hop limit 1 by default, encrypts the gp3 root disk, sets no key pair", () => {
    const lt = nodeLaunchTemplate(group({ diskGiB: 150 }), { team: "x" });
    expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
    expect(lt.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 150, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
    expect(lt).not.toHaveProperty("keyName");
    expect(lt.tagSpecifications.map((t) => t.resourceType)).toEqual(["instance", "volume"]);
  });

  it("raises the hop limit only when the group says so", () => {
    const two = nodeLaunchTemplate(group({ imdsHopLimit: 2, imdsHopLimitReason: "the vendor's agent reads instance identity" }), {});
    expect(two.metadataOptions.httpPutResponseHopLimit).toBe(2);
    expect(two.tagSpecifications[0]!.tags["runner-fleet:imds-hop-limit-reason"]).toBe("the vendor's agent reads instance identity");
    expect(() => group({ imdsHopLimit: 2 })).toThrow(/imdsHopLimitReason/);
    expect(() => group({ imdsHopLimit: 3 })).toThrow();
  });

  it("picks the AL2023 AMI type of the group's arch", () => {
    expect(amiType(group())).toBe("AL2023_ARM_64_STANDARD");
    expect(amiType(group({ arch: "amd64", instanceTypes: ["m7i.large"] }))).toBe("AL2023_x86_64_STANDARD");
    expect(eksTaintEffect("NoSchedule")).toBe("NO_SCHEDULE");
    expect(eksTaintEffect("NoExecute")).toBe("NO_EXECUTE");
    expect(eksTaintEffect("PreferNoSchedule")).toBe("PREFER_NO_SCHEDULE");
  });
});

describe("tolerations", () => {
  const cluster = clusterSchema.parse({
    type: "eks",
    nodeGroups: [
      { name: "a", arch: "amd64", instanceTypes: ["m7i.large"] },
      { name: "g1", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }] },
      { name: "g2", arch: "arm64", instanceTypes: ["m7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }, { key: "spot", effect: "NoExecute" }] },
    ],
  });

  it("tolerate the taints of the node groups of the set's arch, once each", () => {
    const tolerations = clusterFacts(cluster, arcSchema.parse(undefined)).tolerations;
    expect(tolerations.arm64).toEqual([
      { key: "runner-fleet/arch", operator: "Equal", value: "arm64", effect: "NoSchedule" },
      { key: "spot", operator: "Exists", effect: "NoExecute" },
    ]);
    expect(tolerations.amd64).toEqual([]);
  });
});

describe("EKS kubeconfig", () => {
  it("authenticates with aws eks get-token and carries no credential", () => {
    const cfg = parse(eksKubeconfig({ clusterName: "c", endpoint: "https://x.eks.amazonaws.com", certificateAuthority: "Q0E=", region: "eu-west-1" })) as {
      clusters: { cluster: { server: string } }[];
      users: { user: { exec: { command: string; args: string[] } } }[];
      "current-context": string;
    };
    expect(cfg.clusters[0]!.cluster.server).toBe("https://x.eks.amazonaws.com");
    expect(cfg.users[0]!.user.exec.command).toBe("aws");
    expect(cfg.users[0]!.user.exec.args).toEqual(["eks", "get-token", "--cluster-name", "c", "--region", "eu-west-1", "--output", "json"]);
    expect(cfg["current-context"]).toBe("c");
    expect(JSON.stringify(cfg)).not.toMatch(/token:|client-key/);
  });
});
