import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import { podSecurityLabels, type PodSecurityLevel } from "./pod-security";

export interface RunnerNamespaceArgs {
  name: string;
  podSecurity: PodSecurityLevel;
}

/** The namespace runner pods live in, with the Pod Security level their sets need and no more. */
export class RunnerNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: RunnerNamespaceArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("RunnerNamespace", opts);
    super(type, name, {}, options);
    const ns = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.name,
          labels: { "app.kubernetes.io/part-of": "runner-fleet", ...podSecurityLabels(args.podSecurity) },
        },
      },
      { parent: this },
    );
    this.name = ns.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
