import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import type { ArcConfig } from "../../config/schema";
import { ARC_CHART_VERSION, ARC_CONTROLLER_CHART } from "../../config/versions";
import { CONTROLLER_RELEASE, CONTROLLER_SERVICE_ACCOUNT } from "../../config/names";
import { controllerValues } from "./controller-values";
import { monitoringManifests } from "./monitoring";
import { podSecurityLabels } from "./pod-security";

export interface ArcControllerArgs {
  arc: ArcConfig;
}

/**
 * The gha-runner-scale-set-controller chart in its own namespace. A helm.v3.Release rather than a
 * client-side Chart: the controller owns CRDs and finalizers, and operators expect `helm list` and
 * `helm rollback` to work on it as ARC's own docs describe.
 */
export class ArcController extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly serviceAccount: string = CONTROLLER_SERVICE_ACCOUNT;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ArcControllerArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("ArcController", opts);
    super(type, name, {}, options);
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.arc.controllerNamespace,
          labels: { "app.kubernetes.io/part-of": "runner-fleet", ...podSecurityLabels("baseline") },
        },
      },
      { parent: this },
    );
    this.namespace = ns.metadata.name;
    this.release = new k8s.helm.v3.Release(
      `${name}-controller`,
      {
        name: CONTROLLER_RELEASE,
        chart: ARC_CONTROLLER_CHART,
        version: ARC_CHART_VERSION,
        namespace: this.namespace,
        values: controllerValues(args.arc),
        maxHistory: 10,
        atomic: true,
      },
      { parent: this },
    );
    if (args.arc.metrics && args.arc.prometheusOperator) {
      // Scrape targets for the Prometheus operator; its CRDs must already be in the cluster.
      const m = monitoringManifests(args.arc.controllerNamespace);
      const after = { parent: this, dependsOn: [this.release] };
      new k8s.core.v1.Service(`${name}-metrics`, m.controllerService as k8s.core.v1.ServiceArgs, after);
      new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, m.controllerServiceMonitor as k8s.apiextensions.CustomResourceArgs, after);
      new k8s.apiextensions.CustomResource(`${name}-listener-podmonitor`, m.listenerPodMonitor as k8s.apiextensions.CustomResourceArgs, after);
    }
    this.registerOutputs({ namespace: this.namespace, serviceAccount: this.serviceAccount, release: this.release.status.name });
  }
}
