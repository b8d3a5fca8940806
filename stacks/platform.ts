import * as pulumi from "@pulumi/pulumi";
import { ArcController } from "../components/arc/ArcController";
import { githubCredential } from "../config/credentials";
import type { ConfigSource } from "../config/load";
import { fleetModel } from "../config/model";
import type { StackConfig } from "../config/schema";
import { clusterFor, sharedAwsContext } from "./cluster";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets } from "./compose";
import type { FleetOutputs } from "./outputs";

/** A platform stack: its own cluster and controller, the credential once, everything its teams build on. */
export function platformProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config): FleetOutputs {
  const model = fleetModel(cfg);
  const kind = cfg.github.auth === "platform" ? "token" : cfg.github.auth;
  const credential = githubCredential(cfg.github, config);
  const tags = awsTags(source.project, source.stack, cfg.team);
  const aws = sharedAwsContext();
  const outputs: FleetOutputs = {
    stack: source.stack,
    githubUrl: cfg.github.url,
    githubAuth: kind,
    githubCredential: pulumi.secret(credential),
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
  const runners = composeRunnerSets(model, model.facts, cluster.provider, credential, [controller, ...groupResources, ...(cluster.dependsOn ?? [])]);
  Object.assign(outputs, runners, { clusterName: cluster.name, cluster: model.facts, controllerNamespace: controller.namespace });
  if (cluster.eks) outputs.eks = cluster.eks;
  if (cluster.kubeconfig) outputs.kubeconfig = pulumi.secret(cluster.kubeconfig);
  return outputs;
}
