import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { TeamAccess } from "../components/arc/TeamAccess";
import { TeamAdmissionPolicy } from "../components/arc/TeamAdmissionPolicy";
import type { GithubCredentialValue } from "../config/credentials";
import { ConfigError } from "../config/errors";
import { stackFileName } from "../config/load";
import { teamNamespace } from "../config/model";
import { ArcController } from "../components/arc/ArcController";
import { githubCredential } from "../config/credentials";
import type { ConfigSource } from "../config/load";
import { fleetModel } from "../config/model";
import type { StackConfig } from "../config/schema";
import { CONTROLLER_SERVICE_ACCOUNT } from "../config/names";
import { clusterFor, sharedAwsContext } from "./cluster";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets, CREDENTIALS_SECRET_NAME } from "./compose";
import { teamKubeconfigOutput, type FleetOutputs, type TeamKubeconfigOutputs, type TeamOutput } from "./outputs";

/** A platform stack: its own cluster and controller, the credential once, everything its teams build on. */
export function platformProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config): FleetOutputs & Partial<TeamKubeconfigOutputs> {
  const model = fleetModel(cfg);
  const kind = cfg.github.auth === "platform" ? "token" : cfg.github.auth;
  if (cfg.teams.length > 0 && cfg.cluster?.type === "existing" && config.getSecret("kubeconfig") === undefined) {
    // Checked before anything is registered: a team's kubeconfig is cut from the platform's.
    throw new ConfigError(stackFileName(source.stack), source.project, [
      { path: ["teams"], message: "teams get a kubeconfig scoped from this stack's: an existing cluster reached by context has none; give it runner-fleet:kubeconfig" },
    ]);
  }
  const credential = githubCredential(cfg.github, config);
  const tags = awsTags(source.project, source.stack, cfg.team);
  const aws = sharedAwsContext();
  const outputs: FleetOutputs & Partial<TeamKubeconfigOutputs> = {
    stack: source.stack,
    githubUrl: cfg.github.url,
    githubAuth: kind,
    runnerSets: {},
    hostPools: {},
    runnerGroups: {},
  };
  // Runners register into the groups this stack makes: they must exist first.
  const { runnerGroups, groupResources } = composeGithub(model, credential, kind);
  outputs.runnerGroups = runnerGroups;
  if (cfg.hostPools.length > 0) Object.assign(outputs, composeHostPools(cfg, credential, undefined, source.project, source.stack, tags, aws()));
  if (cfg.cluster === undefined || model.facts === undefined) return outputs;

  const cluster = clusterFor(cfg.cluster, config, cfg.protect, tags, aws);
  const controller = new ArcController("arc", { arc: cfg.arc }, { provider: cluster.provider, protect: cfg.protect });
  const runners = composeRunnerSets(model, model.facts, cluster.provider, { kind: "cluster", credential }, [controller, ...groupResources, ...(cluster.dependsOn ?? [])]);
  Object.assign(outputs, runners, { clusterName: cluster.name, cluster: model.facts, controllerNamespace: controller.namespace });
  if (cluster.eks) outputs.eks = cluster.eks;
  if (cluster.kubeconfig) {
    outputs.kubeconfig = pulumi.secret(cluster.kubeconfig);
    Object.assign(outputs, composeTeams(cfg, credential, cluster.kubeconfig, cluster.provider, runnerGroups));
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
): { teams: Record<string, TeamOutput> } & Partial<TeamKubeconfigOutputs> {
  const teams: Record<string, TeamOutput> = {};
  const kubeconfigs: Partial<TeamKubeconfigOutputs> = {};
  // Teams deploy scale sets with their own kubeconfig: the API server keeps their listener templates out of the controller's namespace.
  if (cfg.teams.length > 0) {
    new TeamAdmissionPolicy("runner-fleet-team-scale-sets", { controllerNamespace: cfg.arc.controllerNamespace, controllerServiceAccount: CONTROLLER_SERVICE_ACCOUNT }, { provider });
  }
  for (const t of cfg.teams) {
    const namespace = teamNamespace(t.name);
    const namespaces = [{ name: namespace, podSecurity: "baseline" as const }, ...(t.privileged ? [{ name: `${namespace}-privileged`, podSecurity: "privileged" as const }] : [])];
    const access = new TeamAccess(
      `team-${t.name}`,
      { team: t.name, namespaces, secretName: CREDENTIALS_SECRET_NAME, clusterKubeconfig, ...(t.credential === "platform" ? { credential } : {}) },
      { provider },
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
