import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { awsContext } from "../components/aws/aws-context";
import { clusterIssues, type ClusterFacts } from "../config/cluster-facts";
import { githubCredential, type GithubCredentialValue } from "../config/credentials";
import { ConfigError, type KeyIssue } from "../config/errors";
import { stackFileName, type ConfigSource } from "../config/load";
import { fleetModel } from "../config/model";
import type { StackConfig } from "../config/schema";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets } from "./compose";
import type { FleetOutputs } from "./outputs";

/**
 * A team stack: its namespace, runner sets, pools and runner group on its platform's cluster. The
 * platform's facts are read first, so a set the platform cannot run is a config error before any
 * resource exists; the credential and kubeconfig stay secret Outputs end to end.
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
  const hasKubeconfig = (await ref.getOutputDetails("kubeconfig")).secretValue !== undefined;
  if (cfg.runnerSets.length > 0) {
    if (!facts) fail([{ path: ["platform"], message: `${platform} exports no cluster: deploy it first, or check the name` }]);
    if (!hasKubeconfig) fail([{ path: ["platform"], message: `${platform} exports no kubeconfig (an existing cluster reached by context); give it runner-fleet:kubeconfig` }]);
    const issues = clusterIssues(cfg.runnerSets, facts!, `platform ${platform}`);
    if (issues.length > 0) fail(issues);
  }
  if (cfg.github.auth === "platform" && !platformAuth) fail([{ path: ["platform"], message: `${platform} exports no GitHub credential` }]);

  const usesPlatformCredential = cfg.github.auth === "platform";
  const credential = usesPlatformCredential ? (ref.requireOutput("githubCredential") as pulumi.Output<GithubCredentialValue>) : githubCredential(cfg.github, config);
  const kind = usesPlatformCredential ? platformAuth! : (cfg.github.auth as GithubCredentialValue["kind"]);
  const model = fleetModel(cfg, facts);
  const tags = awsTags(source.project, source.stack, cfg.team);
  const { runnerGroups, groupResources } = composeGithub(model, credential, kind);
  const outputs: FleetOutputs = { stack: source.stack, githubUrl: cfg.github.url, runnerSets: {}, hostPools: {}, runnerGroups };
  if (cfg.team) outputs.team = cfg.team;
  if (cfg.hostPools.length > 0) {
    const platformSecret = usesPlatformCredential ? ((await detail("credentialSecretArn")) as string | undefined) : undefined;
    Object.assign(outputs, composeHostPools(cfg, credential, platformSecret ? { arn: platformSecret } : undefined, source.project, source.stack, tags, awsContext()));
  }
  if (model.runnerSets.length > 0 && facts) {
    const provider = new k8s.Provider("platform-k8s", { kubeconfig: ref.requireOutput("kubeconfig") as pulumi.Output<string> });
    Object.assign(outputs, composeRunnerSets(model, facts, provider, credential, groupResources));
  }
  return outputs;
}
