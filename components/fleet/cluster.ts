import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { ClusterConfig } from "../../config/schema";
import { awsContext, type AwsContext } from "../aws/aws-context";
import { EksCluster } from "../aws/EksCluster";
import { ExistingCluster } from "../k8s/ExistingCluster";
import { KindCluster } from "../kind/KindCluster";
import { childOf } from "./moved";
import type { EksOutputs } from "./outputs";

export interface ClusterHandle {
  provider: k8s.Provider;
  name: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  /** What runner sets must wait for besides the controller and credential (e.g. the StorageClass). */
  dependsOn?: pulumi.Resource[];
  eks?: EksOutputs;
}

/** The stack's cluster; an existing one is reached with `kubeconfig` (a secret) or a context of the operator's. */
export function clusterFor(
  cluster: ClusterConfig,
  kubeconfig: pulumi.Output<string> | undefined,
  protect: boolean,
  tags: Record<string, string>,
  aws: () => AwsContext,
  parent?: pulumi.Resource,
): ClusterHandle {
  if (cluster.type === "kind") {
    const kind = new KindCluster(cluster.name, { cluster }, childOf(parent, { protect }));
    return { provider: kind.provider, name: kind.clusterName, kubeconfig: kind.kubeconfig };
  }
  if (cluster.type === "eks") {
    const eks = new EksCluster(cluster.name, { cluster, tags, aws: aws() }, childOf(parent, { protect }));
    return {
      provider: eks.provider,
      name: eks.clusterName,
      kubeconfig: eks.kubeconfig,
      dependsOn: [eks.storage],
      eks: { endpoint: eks.endpoint, oidcProviderArn: eks.oidcProviderArn, nodeGroups: eks.nodeGroupNames, storageClass: eks.storageClass },
    };
  }
  const existing = new ExistingCluster("cluster", { cluster, kubeconfig }, childOf(parent, {}));
  return kubeconfig ? { provider: existing.provider, name: existing.clusterName, kubeconfig } : { provider: existing.provider, name: existing.clusterName };
}

/** One AWS context per stack, made only if something in the stack uses AWS (kind stacks never do). */
export function sharedAwsContext(): () => AwsContext {
  let ctx: AwsContext | undefined;
  return () => (ctx ??= awsContext());
}
