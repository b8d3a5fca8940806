import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";
import type { KindClusterConfig } from "../../config/schema";
import { KIND_CREATE_SCRIPT, KIND_DELETE_SCRIPT, kindConfig, kindKubeconfigCommand } from "./kind-config";

export interface KindClusterArgs {
  cluster: KindClusterConfig;
}

/** A local kind cluster for the dev stack, with the host's cache root mounted into every node. */
export class KindCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  /** Secret: it holds the cluster's admin client key. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("KindCluster", opts);
    super(type, name, {}, options);
    const cfg = args.cluster;
    const config = kindConfig(cfg);
    const cluster = new command.local.Command(
      `${name}-kind`,
      {
        create: KIND_CREATE_SCRIPT,
        delete: KIND_DELETE_SCRIPT,
        stdin: config,
        interpreter: ["/bin/sh", "-c"],
        environment: { KIND_CLUSTER_NAME: cfg.name, CACHE_ROOT: cfg.cacheHostPath },
        // kind cannot change a running cluster's nodes or mounts: a new config means a new cluster.
        triggers: [config],
      },
      // The replacement has the same name, so the old cluster must go first.
      { parent: this, deleteBeforeReplace: true },
    );
    this.clusterName = cluster.id.apply(() => cfg.name);
    // Read through an invoke, not the create command's stdout: a Command's stdout is shown in the
    // update's diff even when marked secret (pulumi/pulumi-command#260).
    this.kubeconfig = pulumi.secret(
      cluster.id
        .apply(() => command.local.runOutput({ command: kindKubeconfigCommand(cfg.name) }, { parent: this }))
        .apply(({ stdout }): string => {
          if (!stdout) throw new Error(`kind printed no kubeconfig for cluster ${cfg.name}`);
          return stdout;
        }),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}
