import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { awsContext } from "../components/aws/aws-context";
import { clusterIssues, type ClusterFacts } from "../config/cluster-facts";
import { githubCredential, type GithubCredentialValue } from "../config/credentials";
import { ConfigError, type KeyIssue } from "../config/errors";
import { stackFileName, type ConfigSource } from "../config/load";
import { fleetModel } from "../config/model";
import type { StackConfig } from "../config/schema";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets, type RunnerSetAccess } from "../components/fleet/compose";
import { teamKubeconfigOutput, type FleetOutputs, type TeamOutput } from "../components/fleet/outputs";

/**
 * A team stack: its runner sets in the namespaces its platform made for it, its pools and (with
 * its own credential) its runner groups. It reaches the cluster with the kubeconfig the platform
 * scoped to those namespaces and never reads the platform's credential: a team on the platform's
 * credential names the Secret the platform put there. The platform's facts are read first, so a
 * set the platform cannot run is a config error before any resource exists.
 */
export async function teamProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config, platform: string): Promise<FleetOutputs> {
  const file = stackFileName(source.stack);
  const fail = (issues: KeyIssue[]): never => {
    throw new ConfigError(file, source.project, issues);
  };
  const ref = new pulumi.StackReference("platform", { name: platform });
  const detail = async (name: string): Promise<unknown> => (await ref.getOutputDetails(name)).value;
  const facts = (await detail("cluster")) as ClusterFacts | undefined;
  const platformAuth = (await detail("githubAuth")) as GithubCredentialValue["kind"] | undefined;
  const teams = ((await detail("teams")) ?? {}) as Record<string, TeamOutput>;
  const usesPlatformCredential = cfg.github.auth === "platform";
  if (cfg.github.auth === "platform" && !platformAuth) fail([{ path: ["platform"], message: `${platform} exports no GitHub credential` }]);

  const team = cfg.team === undefined ? undefined : teams[cfg.team];
  if (cfg.runnerSets.length > 0) {
    if (!facts) fail([{ path: ["platform"], message: `${platform} exports no cluster: deploy it first, or check the name` }]);
    if (!team) fail([{ path: ["team"], message: `${platform} serves no team "${cfg.team}": add it to the platform's runner-fleet:teams (it makes the team's namespaces and identity)` }]);
    if (usesPlatformCredential && team!.credentialSecretName === undefined) {
      fail([{ path: ["github", "auth"], message: `${platform} expects team ${cfg.team} to bring its own credential (teams[].credential: own): use auth app or token` }]);
    }
    if (!usesPlatformCredential && team!.credentialSecretName !== undefined) {
      fail([{ path: ["github", "auth"], message: `${platform} puts its own credential in team ${cfg.team}'s namespaces (teams[].credential: platform): use auth: platform, or have the platform set credential: own` }]);
    }
    const issues = clusterIssues(cfg.runnerSets, facts!, `platform ${platform}`);
    if (issues.length > 0) fail(issues);
  }

  const credential = usesPlatformCredential ? undefined : githubCredential(cfg.github, config);
  const model = fleetModel(cfg, facts);
  const privileged = model.runnerSets.filter((s) => s.namespace !== team?.namespace);
  if (team && privileged.length > 0 && team.privilegedNamespace === undefined) {
    fail(
      privileged.map((s) => ({
        path: ["runnerSets", cfg.runnerSets.findIndex((c) => s.key === c.name), "containerMode"],
        message: `needs privilege (dind or a hostPath cache), which ${platform} does not grant team ${cfg.team}: set privileged: true on its teams entry`,
      })),
    );
  }
  if (team && usesPlatformCredential) {
    // The cluster refuses these too (components/arc/team-admission-policy.ts); said here by key first.
    const granted = Object.keys(team.runnerGroups);
    const off = cfg.runnerSets.flatMap((s, i) =>
      s.runnerGroup !== undefined && granted.includes(s.runnerGroup)
        ? []
        : [{ path: ["runnerSets", i, "runnerGroup"], message: `must be one of the runner groups ${platform} made for team ${cfg.team} (${granted.join(", ") || "none: add them to its teams[].runnerGroups"}); on the platform's credential another group, or none, would take other repositories' jobs` }],
    );
    if (off.length > 0) fail(off);
  }
  const tags = awsTags(source.project, source.stack, cfg.team);
  const { runnerGroups, groupResources } = credential ? composeGithub(model, credential, cfg.github.auth as GithubCredentialValue["kind"]) : { runnerGroups: team?.runnerGroups ?? {}, groupResources: [] };
  const outputs: FleetOutputs = { stack: source.stack, githubUrl: cfg.github.url, runnerSets: {}, hostPools: {}, runnerGroups };
  if (cfg.team) outputs.team = cfg.team;
  if (cfg.hostPools.length > 0) {
    const platformSecret = usesPlatformCredential ? ((await detail("credentialSecretArn")) as string | undefined) : undefined;
    if (usesPlatformCredential && !platformSecret) fail([{ path: ["hostPools"], message: `${platform} exports no credentialSecretArn for host pools on its credential` }]);
    Object.assign(outputs, composeHostPools(cfg, credential, platformSecret ? { arn: platformSecret } : undefined, source.project, source.stack, tags, awsContext()));
  }
  if (model.runnerSets.length > 0 && facts && team) {
    const provider = new k8s.Provider("platform-k8s", { kubeconfig: ref.requireOutput(teamKubeconfigOutput(cfg.team!)) as pulumi.Output<string>, namespace: team.namespace });
    const access: RunnerSetAccess = credential ? { kind: "team", credential } : { kind: "team", secretName: team.credentialSecretName! };
    Object.assign(outputs, composeRunnerSets(model, facts, provider, access, groupResources));
  }
  return outputs;
}
