import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ArcController } from "../arc/ArcController";
import { TeamAccess } from "../arc/TeamAccess";
import { TeamAdmissionPolicy } from "../arc/TeamAdmissionPolicy";
import { teamGrants } from "../arc/team-admission-policy";
import { CONTROLLER_SERVICE_ACCOUNT } from "../../config/names";
import type { GithubCredentialValue } from "../../config/credentials";
import type { KeyIssue } from "../../config/errors";
import { fleetModel, teamNamespace } from "../../config/model";
import type { StackConfig } from "../../config/schema";
import { component } from "../types";
import type { FleetConfigArgs } from "./args";
import { clusterFor, sharedAwsContext } from "./cluster";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets, CREDENTIALS_SECRET_NAME } from "./compose";
import { childOf } from "./moved";
import { teamKubeconfigOutput, type FleetOutputs, type HostPoolInfo, type RunnerSetOutput, type TeamKubeconfigOutputs, type TeamOutput } from "./outputs";
import { credentialIssues, credentialOutput, validated } from "./validate";

/** A whole fleet from one args object: the keys of a platform stack file, and its credential. */
export interface RunnerFleetArgs extends FleetConfigArgs {
  /** A GitHub token allowed to manage self-hosted runners (with github.auth `token`). Kept secret; only the control plane's role and the runners' credential Secret see it. */
  githubToken?: pulumi.Input<string>;
  /** The GitHub App's private key, PEM (with github.auth `app`). Kept secret; only the control plane's role and the runners' credential Secret see it. */
  githubAppPrivateKey?: pulumi.Input<string>;
  /** A kubeconfig for an `existing` cluster (secret); unset: cluster.context or the operator's current context. Required when an existing cluster serves teams. */
  kubeconfig?: pulumi.Input<string>;
}

const STACK_OUTPUTS = new WeakMap<RunnerFleet, FleetOutputs & Partial<TeamKubeconfigOutputs>>();

/**
 * A self-hosted GitHub Actions runner fleet: runner groups, EC2 host pools with their control
 * plane, a kind, EKS or existing cluster with ARC and its runner scale sets, and the teams it
 * serves. What a platform stack file describes, as one component.
 */
export class RunnerFleet extends pulumi.ComponentResource {
  /** Runner group names by their key. */
  public readonly runnerGroups: pulumi.Output<{ [key: string]: string }>;
  /** Each runner set: its scale sets, labels and the `runs-on` value that reaches it. */
  public readonly runnerSets: pulumi.Output<{ [key: string]: RunnerSetOutput }>;
  /** Each host pool: its scale set, labels, size and Auto Scaling group. */
  public readonly hostPools: pulumi.Output<{ [key: string]: HostPoolInfo }>;
  /** The cluster's name (unset without a cluster). */
  public readonly clusterName: pulumi.Output<string | undefined>;
  /** The cluster's kubeconfig, a secret (unset without a cluster, or for an existing cluster reached by context). */
  public readonly kubeconfig: pulumi.Output<string | undefined>;
  /** The Secrets Manager secret holding the credential for the control plane (unset without host pools). */
  public readonly credentialSecretArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: RunnerFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const { githubToken, githubAppPrivateKey, kubeconfig, ...config } = args;
    const creds = { ...(githubToken !== undefined ? { githubToken } : {}), ...(githubAppPrivateKey !== undefined ? { githubAppPrivateKey } : {}) };
    const early: KeyIssue[] = [];
    const probe = config as Partial<FleetConfigArgs>;
    if ((probe.teams ?? []).length > 0 && probe.cluster?.type === "existing" && kubeconfig === undefined) {
      early.push({ path: ["teams"], message: "teams get a kubeconfig scoped from the fleet's: an existing cluster reached by context has none; give kubeconfig" });
    }
    const cfg = validated("RunnerFleet", name, config as unknown as Record<string, unknown>, [...early, ...credentialIssues(config.github?.auth ?? "", creds)]);
    const [type, options] = component("RunnerFleet", opts);
    super(type, name, {}, options);
    const outputs = buildFleet(this, cfg, credentialOutput(cfg, creds), kubeconfig === undefined ? undefined : pulumi.secret(pulumi.output(kubeconfig)));
    STACK_OUTPUTS.set(this, outputs);
    this.runnerGroups = pulumi.output(outputs.runnerGroups);
    this.runnerSets = pulumi.output(outputs.runnerSets);
    this.hostPools = pulumi.output(outputs.hostPools);
    this.clusterName = pulumi.output(outputs.clusterName);
    this.kubeconfig = outputs.kubeconfig ? pulumi.secret(outputs.kubeconfig) : pulumi.output(undefined);
    this.credentialSecretArn = pulumi.output(outputs.credentialSecretArn);
    this.registerOutputs({ runnerGroups: this.runnerGroups, runnerSets: this.runnerSets, hostPools: this.hostPools, clusterName: this.clusterName, kubeconfig: this.kubeconfig, credentialSecretArn: this.credentialSecretArn });
  }
}

/** What a platform stack exports from its fleet (cluster facts, team kubeconfigs, control-plane names…). */
export function fleetStackOutputs(fleet: RunnerFleet): FleetOutputs & Partial<TeamKubeconfigOutputs> {
  return STACK_OUTPUTS.get(fleet)!;
}

function buildFleet(parent: RunnerFleet, cfg: StackConfig, credential: pulumi.Output<GithubCredentialValue>, kubeconfig: pulumi.Output<string> | undefined): FleetOutputs & Partial<TeamKubeconfigOutputs> {
  const model = fleetModel(cfg);
  const kind = cfg.github.auth === "platform" ? "token" : cfg.github.auth;
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const tags = awsTags(project, stack, cfg.team);
  const aws = sharedAwsContext();
  const outputs: FleetOutputs & Partial<TeamKubeconfigOutputs> = { stack, githubUrl: cfg.github.url, githubAuth: kind, runnerSets: {}, hostPools: {}, runnerGroups: {} };
  // Runners register into the groups this fleet makes: they must exist first.
  const { runnerGroups, groupResources } = composeGithub(model, credential, kind, parent);
  outputs.runnerGroups = runnerGroups;
  if (cfg.hostPools.length > 0) Object.assign(outputs, composeHostPools(cfg, credential, undefined, project, stack, tags, aws(), parent));
  if (cfg.cluster === undefined || model.facts === undefined) return outputs;

  const cluster = clusterFor(cfg.cluster, kubeconfig, cfg.protect, tags, aws, parent);
  const controller = new ArcController("arc", { arc: cfg.arc }, childOf(parent, { provider: cluster.provider, protect: cfg.protect }));
  const runners = composeRunnerSets(model, model.facts, cluster.provider, { kind: "cluster", credential }, [controller, ...groupResources, ...(cluster.dependsOn ?? [])], parent);
  Object.assign(outputs, runners, { clusterName: cluster.name, cluster: model.facts, controllerNamespace: controller.namespace });
  if (cluster.eks) outputs.eks = cluster.eks;
  if (cluster.kubeconfig) {
    outputs.kubeconfig = pulumi.secret(cluster.kubeconfig);
    Object.assign(outputs, composeTeams(cfg, credential, cluster.kubeconfig, cluster.provider, runnerGroups, parent));
  }
  return outputs;
}

/** Each team's namespaces, credential Secret and scoped identity; its kubeconfig in an output of its own. */
function composeTeams(
  cfg: StackConfig,
  credential: pulumi.Output<GithubCredentialValue>,
  clusterKubeconfig: pulumi.Output<string>,
  provider: k8s.Provider,
  groups: Record<string, pulumi.Output<string>>,
  parent: pulumi.Resource,
): { teams: Record<string, TeamOutput> } & Partial<TeamKubeconfigOutputs> {
  const teams: Record<string, TeamOutput> = {};
  const kubeconfigs: Partial<TeamKubeconfigOutputs> = {};
  // Teams deploy scale sets with their own kubeconfig: the API server keeps their listener templates out of the controller's namespace.
  if (cfg.teams.length > 0) {
    new TeamAdmissionPolicy(
      "runner-fleet-team-scale-sets",
      {
        controllerNamespace: cfg.arc.controllerNamespace,
        controllerServiceAccount: CONTROLLER_SERVICE_ACCOUNT,
        teams: teamGrants(cfg.teams),
        githubUrl: cfg.github.url,
      },
      childOf(parent, { provider }),
    );
  }
  for (const t of cfg.teams) {
    const namespace = teamNamespace(t.name);
    const namespaces = [{ name: namespace, podSecurity: "baseline" as const }, ...(t.privileged ? [{ name: `${namespace}-privileged`, podSecurity: "privileged" as const }] : [])];
    const access = new TeamAccess(
      `team-${t.name}`,
      { team: t.name, namespaces, secretName: CREDENTIALS_SECRET_NAME, clusterKubeconfig, ...(t.credential === "platform" ? { credential } : {}) },
      childOf(parent, { provider }),
    );
    const out: TeamOutput = {
      namespace,
      runnerGroups: Object.fromEntries(t.runnerGroups.map((g) => [g.name, groups[g.name]!])),
      kubeconfigOutput: teamKubeconfigOutput(t.name),
    };
    if (t.privileged) out.privilegedNamespace = `${namespace}-privileged`;
    if (t.credential === "platform") out.credentialSecretName = CREDENTIALS_SECRET_NAME;
    teams[t.name] = out;
    kubeconfigs[teamKubeconfigOutput(t.name)] = access.kubeconfig;
  }
  return { teams, ...kubeconfigs };
}
