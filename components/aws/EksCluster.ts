import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { shortHash } from "../../config/names";
import type { EksClusterConfig } from "../../config/schema";
import type { AwsContext } from "./aws-context";
import { EbsCsi } from "./EbsCsi";
import { eksKubeconfig } from "./eks-kubeconfig";
import { clusterAdminAccessPolicy, clusterPolicies, eksClusterTrust, eksNodeTrust, nodePolicies } from "./eks-policies";
import { EksNodeGroup } from "./EksNodeGroup";

export const PUBLIC_ENDPOINT_TAG = "runner-fleet:public-endpoint";

export interface EksClusterArgs {
  cluster: EksClusterConfig;
  tags: Record<string, string>;
  /** The stack's account, region and default network, shared with its host pools. */
  aws: AwsContext;
}

/**
 * An EKS cluster for ARC: Secrets envelope-encrypted with KMS, control-plane logs on, operators
 * admitted through access entries, one managed node group per configured group, the EBS CSI
 * driver with an encrypted gp3 class, and a Kubernetes provider that authenticates per call.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly nodeGroupNames: pulumi.Output<string[]>;
  readonly storageClass: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The storage the runner sets' cache claims are made from. */
  readonly storage: pulumi.Resource;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("EksCluster", opts);
    super(type, name, {}, options);
    const c = args.cluster;
    const tags = { ...args.tags, "runner-fleet:cluster": c.name };
    const parent = { parent: this };
    const { partition, region } = args.aws;
    const subnetIds = c.subnetIds ? pulumi.output([...c.subnetIds].sort()) : args.aws.defaultSubnetIds();

    const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: args.aws.servicePrincipal("eks").apply((p) => JSON.stringify(eksClusterTrust(p))), tags }, parent);
    const clusterAttach = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: partition.apply((p) => clusterPolicies(p)[0]!) },
      parent,
    );
    const keyArn =
      c.kmsKeyArn ??
      new aws.kms.Key(
        `${name}-secrets`,
        { description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${c.name}`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
        parent,
      ).arn;

    const cluster = new aws.eks.Cluster(
      name,
      {
        name: c.name,
        version: c.version,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: c.endpointPublicAccess,
          ...(c.publicAccessCidrs ? { publicAccessCidrs: [...c.publicAccessCidrs].sort() } : {}),
        },
        encryptionConfig: { provider: { keyArn }, resources: ["secrets"] },
        enabledClusterLogTypes: [...c.logTypes].sort(),
        // API access entries only: no aws-auth ConfigMap to edit. The identity running `pulumi up`
        // stays admin, as it must to install ARC in the same update.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        // Policies allow a public endpoint only where the stack asked for one, and this says it did.
        tags: c.endpointPublicAccess ? { ...tags, [PUBLIC_ENDPOINT_TAG]: "allowed" } : tags,
      },
      { parent: this, dependsOn: [clusterAttach] },
    );
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, parent);

    for (const arn of c.admins) {
      const id = `${name}-admin-${shortHash(arn, 8)}`;
      const entry = new aws.eks.AccessEntry(id, { clusterName: cluster.name, principalArn: arn, type: "STANDARD", tags }, parent);
      new aws.eks.AccessPolicyAssociation(
        id,
        { clusterName: cluster.name, principalArn: arn, policyArn: partition.apply(clusterAdminAccessPolicy), accessScope: { type: "cluster" } },
        { parent: this, dependsOn: [entry] },
      );
    }

    const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: args.aws.servicePrincipal("ec2").apply((p) => JSON.stringify(eksNodeTrust(p))), tags }, parent);
    const nodeAttachments = ["worker", "ecr", "cni"].map(
      (suffix, i) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-${suffix}`, { role: nodeRole.name, policyArn: partition.apply((p) => nodePolicies(p)[i]!) }, parent),
    );
    const groups = c.nodeGroups.map(
      (group) =>
        new EksNodeGroup(
          `${name}-${group.name}`,
          { clusterName: cluster.name, group, nodeRoleArn: nodeRole.arn, subnetIds, tags },
          { parent: this, dependsOn: nodeAttachments },
        ),
    );

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority, region])
        .apply(([clusterName, endpoint, ca, reg]) => eksKubeconfig({ clusterName, endpoint, certificateAuthority: ca.data ?? "", region: reg })),
    );
    // Everything installed through this provider waits for nodes: a Helm release with nowhere to
    // schedule its pods would time out.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: groups });
    const csi = new EbsCsi(
      `${name}-ebs-csi`,
      { clusterName: cluster.name, oidcProviderArn: oidc.arn, oidcIssuerUrl: issuer, partition, storageClass: c.storageClass, provider: this.provider, tags },
      { parent: this, dependsOn: groups },
    );

    this.storage = csi;
    this.clusterName = cluster.name;
    this.endpoint = cluster.endpoint;
    this.oidcProviderArn = oidc.arn;
    this.nodeGroupNames = pulumi.all(groups.map((g) => g.nodeGroupName)).apply((names) => [...names].sort());
    this.storageClass = csi.storageClassName;
    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      kubeconfig: this.kubeconfig,
      oidcProviderArn: this.oidcProviderArn,
      nodeGroupNames: this.nodeGroupNames,
      storageClass: this.storageClass,
    });
  }
}
