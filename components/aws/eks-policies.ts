import { managedPolicy, serviceTrust, type PolicyDocument } from "./policy-document";

export const eksClusterTrust = (eksPrincipal: string): PolicyDocument => serviceTrust(eksPrincipal);
export const eksNodeTrust = (ec2Principal: string): PolicyDocument => serviceTrust(ec2Principal);

export const EBS_CSI_NAMESPACE = "kube-system";
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

export function clusterPolicies(partition: string): string[] {
  return [managedPolicy(partition, "AmazonEKSClusterPolicy")];
}

/** What a worker node needs to join, pull images and run the VPC CNI. */
export function nodePolicies(partition: string): string[] {
  return ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"].map((n) => managedPolicy(partition, n));
}

export function ebsCsiPolicies(partition: string): string[] {
  return [managedPolicy(partition, "service-role/AmazonEBSCSIDriverPolicy")];
}

/**
 * IRSA trust for the EBS CSI controller: only that one service account of this cluster's OIDC
 * issuer may assume the role, and only for STS.
 */
export function ebsCsiTrust(oidcProviderArn: string, issuerUrl: string): PolicyDocument {
  const issuer = issuerUrl.replace(/^https:\/\//, "");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${EBS_CSI_NAMESPACE}:${EBS_CSI_SERVICE_ACCOUNT}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

/** The access policy given to the operators named in cluster.admins. */
export function clusterAdminAccessPolicy(partition: string): string {
  return `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
}
