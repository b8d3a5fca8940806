import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import { JOB_SERVICE_ACCOUNT } from "./hook-template-names";
import { podSecurityLabels, type PodSecurityLevel } from "./pod-security";

export interface RunnerNamespaceArgs {
  name: string;
  podSecurity: PodSecurityLevel;
  /** Some set here runs jobs in pods of their own (kubernetes modes): make their token-less service account. */
  jobServiceAccount: boolean;
  /** Extra labels (a team's namespaces carry the team, which the admission policy selects them by). */
  labels?: Record<string, string>;
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
          labels: { "app.kubernetes.io/part-of": "runner-fleet", ...args.labels, ...podSecurityLabels(args.podSecurity) },
        },
      },
      { parent: this },
    );
    this.name = ns.metadata.name;
    if (args.jobServiceAccount) {
      // Bound by no Role: a job pod can read no Secret, and with no token mounted it cannot even ask.
      new k8s.core.v1.ServiceAccount(
        `${name}-${JOB_SERVICE_ACCOUNT}`,
        { metadata: { name: JOB_SERVICE_ACCOUNT, namespace: this.name, labels: { "app.kubernetes.io/part-of": "runner-fleet" } }, automountServiceAccountToken: false },
        { parent: this },
      );
    }
    this.registerOutputs({ name: this.name });
  }
}
