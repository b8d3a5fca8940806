import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import type { RunnerSetModel } from "../../config/model";
import { ARC_CHART_VERSION, ARC_SCALE_SET_CHART } from "../../config/versions";
import { hookConfigMapData } from "./hook-config-map";
import { hookTemplateConfigMapName, usesContainerHooks } from "./hook-template-names";
import { instanceLabels, REGISTRATION_VALUE_PATHS, registrationKey, scaleSetValues } from "./scale-set-values";

export interface RunnerScaleSetArgs {
  set: RunnerSetModel;
  credentialsSecretName: pulumi.Input<string>;
  controllerNamespace: pulumi.Input<string>;
  controllerServiceAccount: string;
  /** The controller and the credential Secret: a scale set installed before them cannot register. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * One runner set: a gha-runner-scale-set release per instance (`<name>-1` … `<name>-N`), each with
 * its own cache so related jobs routed to the same instance find it warm.
 */
export class RunnerScaleSet extends pulumi.ComponentResource {
  readonly scaleSetNames: string[];

  constructor(name: string, args: RunnerScaleSetArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("RunnerScaleSet", opts);
    super(type, name, {}, options);
    const { set } = args;
    this.scaleSetNames = set.instances.map((i) => i.name);
    for (const inst of set.instances) {
      const deps: pulumi.Input<pulumi.Resource>[] = [...args.dependsOn];
      const cache = inst.cache;
      if (cache?.kind === "pvc") {
        deps.push(
          new k8s.core.v1.PersistentVolumeClaim(
            cache.claimName,
            {
              metadata: {
                name: cache.claimName,
                namespace: set.namespace,
                labels: instanceLabels(set, inst),
                // WaitForFirstConsumer classes bind only when the first runner pod arrives, i.e. when
                // a job queues; waiting for Bound here would stall `pulumi up`.
                annotations: { "pulumi.com/skipAwait": "true" },
              },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: cache.storageClass,
                resources: { requests: { storage: cache.size } },
              },
            },
            { parent: this },
          ),
        );
      }
      if (usesContainerHooks(set)) {
        deps.push(
          new k8s.core.v1.ConfigMap(
            hookTemplateConfigMapName(inst),
            {
              metadata: { name: hookTemplateConfigMapName(inst), namespace: set.namespace, labels: instanceLabels(set, inst) },
              data: hookConfigMapData(set, inst),
            },
            { parent: this },
          ),
        );
      }
      new k8s.helm.v3.Release(
        inst.name,
        {
          name: inst.name,
          chart: ARC_SCALE_SET_CHART,
          version: ARC_CHART_VERSION,
          namespace: set.namespace,
          values: pulumi
            .all([args.credentialsSecretName, args.controllerNamespace])
            .apply(([credentialsSecretName, controllerNamespace]) =>
              scaleSetValues(set, inst, { credentialsSecretName, controllerNamespace, controllerServiceAccount: args.controllerServiceAccount }),
            ),
          maxHistory: 10,
          atomic: true,
        },
        {
          parent: this,
          dependsOn: deps,
          // Labels and runner group are fixed when ARC creates the set: a change replaces the
          // release, old one first (its finalizer deletes the GitHub set; a new one of the same
          // name created first would find and reuse the old set, old labels and all). The paths
          // do it for releases deployed before they carried a trigger (REGISTRATION_VALUE_PATHS).
          replacementTrigger: registrationKey(set, inst),
          replaceOnChanges: [...REGISTRATION_VALUE_PATHS],
          deleteBeforeReplace: true,
        },
      );
    }
    this.registerOutputs({ scaleSetNames: this.scaleSetNames });
  }
}
