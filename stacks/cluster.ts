import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { ClusterConfig } from "../config/schema";
import { awsContext, type AwsContext } from "../components/aws/aws-context";
import { EksCluster } from "../components/aws/EksCluster";
import { ExistingCluster } from "../components/k8s/ExistingCluster";
import { KindCluster } from "../components/kind/KindCluster";
import type { EksOutputs } from "./outputs";

export interface ClusterHandle {
  provider: k8s.Provider;
  name: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  /** What runner sets must wait for besides the controller and credential (e.g. the StorageClass). */
  dependsOn?: pulumi.Resource[];
  eks?: EksOutputs;
}

export function clusterFor(cluster: ClusterConfig, config: pulumi.Config, protect: boolean, tags: Record<string, string>, aws: () => AwsContext): ClusterHandle {
  if (cluster.type === "kind") {
    const kind = new KindCluster(cluster.name, { cluster }, { protect });
    return { provider: kind.provider, name: kind.clusterName, kubeconfig: kind.kubeconfig };
  }
  if (cluster.type === "eks") {
    const eks = new EksCluster(cluster.name, { cluster, tags, aws: aws() }, { protect });
    return {
      provider: eks.provider,
      name: eks.clusterName,
      kubeconfig: eks.kubeconfig,
      dependsOn: [eks.storage],
      eks: { endpoint: eks.endpoint, oidcProviderArn: eks.oidcProviderArn, nodeGroups: eks.nodeGroupNames, storageClass: eks.storageClass },
    };
  }
  const kubeconfig = config.getSecret("kubeconfig");
  const existing = new ExistingCluster("cluster", { cluster, kubeconfig });
  return kubeconfig ? { provider: existing.provider, name: existing.clusterName, kubeconfig } : { provider: existing.provider, name: existing.clusterName };
}

/** One AWS context per stack, made only if something in the stack uses AWS (kind stacks never do). */
export function sharedAwsContext(): () => AwsContext {
  let ctx: AwsContext | undefined;
  return () => (ctx ??= awsContext());
}
