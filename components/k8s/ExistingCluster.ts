import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import type { ExistingClusterConfig } from "../../config/schema";

export interface ExistingClusterArgs {
  cluster: ExistingClusterConfig;
  /** Secret kubeconfig from `runner-fleet:kubeconfig`; unset: the operator's kubeconfig. */
  kubeconfig: pulumi.Output<string> | undefined;
}

/** A cluster someone else runs: only a provider, so ARC can be installed on it. */
export class ExistingCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("ExistingCluster", opts);
    super(type, name, {}, options);
    const providerArgs: k8s.ProviderArgs = {};
    if (args.kubeconfig) providerArgs.kubeconfig = args.kubeconfig;
    if (args.cluster.context) providerArgs.context = args.cluster.context;
    this.provider = new k8s.Provider(`${name}-k8s`, providerArgs, { parent: this });
    this.clusterName = pulumi.output(args.cluster.context ?? name);
    this.registerOutputs({ clusterName: this.clusterName });
  }
}
