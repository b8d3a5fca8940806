import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { ebsCsiPolicies, ebsCsiTrust } from "./eks-policies";

export interface EbsCsiArgs {
  clusterName: pulumi.Input<string>;
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuerUrl: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  storageClass: string;
  provider: k8s.Provider;
  tags: Record<string, string>;
}

/** The EBS CSI driver add-on with its own IRSA role, and the encrypted gp3 class caches are made from. */
export class EbsCsi extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: EbsCsiArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("EbsCsi", opts);
    super(type, name, {}, options);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: pulumi.all([args.oidcProviderArn, args.oidcIssuerUrl]).apply(([arn, url]) => JSON.stringify(ebsCsiTrust(arn, url))),
        tags: args.tags,
      },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-policy`,
      { role: role.name, policyArn: pulumi.output(args.partition).apply((p) => ebsCsiPolicies(p)[0]!) },
      { parent: this },
    );
    const addon = new aws.eks.Addon(
      `${name}-addon`,
      {
        clusterName: args.clusterName,
        addonName: "aws-ebs-csi-driver",
        serviceAccountRoleArn: role.arn,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags: args.tags,
      },
      { parent: this, dependsOn: [attachment] },
    );
    const sc = new k8s.storage.v1.StorageClass(
      `${name}-${args.storageClass}`,
      {
        metadata: { name: args.storageClass, labels: { "app.kubernetes.io/part-of": "runner-fleet" } },
        provisioner: "ebs.csi.aws.com",
        // A volume is made in the zone of the first pod that uses it, not in a zone no node serves.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      },
      { parent: this, provider: args.provider, dependsOn: [addon] },
    );
    this.storageClassName = sc.metadata.name;
    this.roleArn = role.arn;
    this.registerOutputs({ storageClassName: this.storageClassName, roleArn: this.roleArn });
  }
}
