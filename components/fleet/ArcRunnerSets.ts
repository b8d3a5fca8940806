import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArcController } from "../arc/ArcController";
import { fleetModel } from "../../config/model";
import { component } from "../types";
import type { Arch, ArcArgs, GithubArgs, RunnerSetArgs } from "./args";
import { composeRunnerSets } from "./compose";
import type { RunnerSetOutput } from "./outputs";
import { credentialIssues, credentialOutput, validated } from "./validate";

export interface ArcRunnerSetsArgs {
  /** Where the runners register and how ARC authenticates to GitHub (auth `app` or `token`). */
  github: GithubArgs;
  /** A kubeconfig for the cluster (kept secret). */
  kubeconfig: pulumi.Input<string>;
  /** The node architectures the cluster has; a runner set's arch must be among them. Default: `["amd64"]`. */
  archs?: Arch[];
  /** The StorageClass for caches and work volumes where a runner set names none; unset: a hostPath cache per instance. */
  storageClass?: string;
  /** Install the ARC controller (chart gha-runner-scale-set-controller) too. Default: `true`. */
  installController?: boolean;
  /** The ARC controller's and the runners' namespaces, and the controller's logging. Default: `{}`. */
  arc?: ArcArgs;
  /** The runner scale sets. */
  runnerSets: RunnerSetArgs[];
  /** A GitHub token allowed to manage self-hosted runners (with github.auth `token`); it goes into a Secret in the runner namespace. */
  githubToken?: pulumi.Input<string>;
  /** The GitHub App's private key, PEM (with github.auth `app`); it goes into a Secret in the runner namespace. */
  githubAppPrivateKey?: pulumi.Input<string>;
}

/**
 * ARC runner scale sets on a cluster someone else runs: the runner namespaces (Pod Security
 * baseline, a privileged one only for sets that need it), the credential Secret in each, one
 * scale-set release per instance, and the ARC controller unless the cluster has one.
 */
export class ArcRunnerSets extends pulumi.ComponentResource {
  /** Each runner set: its scale sets, labels and the `runs-on` value that reaches it. */
  public readonly runnerSets: pulumi.Output<{ [key: string]: RunnerSetOutput }>;
  /** The namespace the runner pods run in. */
  public readonly runnerNamespace: pulumi.Output<string>;
  /** The ARC controller's namespace. */
  public readonly controllerNamespace: pulumi.Output<string>;

  constructor(name: string, args: ArcRunnerSetsArgs, opts?: pulumi.ComponentResourceOptions) {
    const creds = { ...(args.githubToken !== undefined ? { githubToken: args.githubToken } : {}), ...(args.githubAppPrivateKey !== undefined ? { githubAppPrivateKey: args.githubAppPrivateKey } : {}) };
    const cluster = { type: "existing", ...(args.archs !== undefined ? { archs: args.archs } : {}), ...(args.storageClass !== undefined ? { storageClass: args.storageClass } : {}) };
    const raw = { github: args.github, cluster, runnerSets: args.runnerSets, ...(args.arc !== undefined ? { arc: args.arc } : {}) };
    const cfg = validated("ArcRunnerSets", name, raw, credentialIssues(args.github?.auth ?? "", creds));
    const [type, options] = component("ArcRunnerSets", opts);
    super(type, name, {}, options);
    const model = fleetModel(cfg);
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(pulumi.output(args.kubeconfig)) }, { parent: this });
    const controller = args.installController === false ? undefined : new ArcController(`${name}-arc`, { arc: cfg.arc }, { parent: this, provider });
    const made = composeRunnerSets(model, model.facts!, provider, { kind: "cluster", credential: credentialOutput(cfg, creds) }, controller ? [controller] : [], this);
    this.runnerSets = pulumi.output(made.runnerSets);
    this.runnerNamespace = made.runnerNamespace;
    this.controllerNamespace = pulumi.output(model.facts!.controllerNamespace);
    this.registerOutputs({ runnerSets: this.runnerSets, runnerNamespace: this.runnerNamespace, controllerNamespace: this.controllerNamespace });
  }
}
