import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArcController } from "../components/arc/ArcController";
import { awsContext, type AwsContext } from "../components/aws/aws-context";
import { EksCluster } from "../components/aws/EksCluster";
import { ExistingCluster } from "../components/k8s/ExistingCluster";
import { KindCluster } from "../components/kind/KindCluster";
import type { GithubCredentialValue } from "../components/secrets/github-secret-data";
import { clusterIssues, type ClusterFacts } from "./cluster-facts";
import { awsTags, composeGithub, composeHostPools, composeRunnerSets, type HostPoolOutput, type RunnerSetOutput } from "./compose";
import { githubCredential } from "./credentials";
import { ConfigError, type KeyIssue } from "./errors";
import { parseStackConfig, pulumiConfigSource, stackFileName, type ConfigSource } from "./load";
import { fleetModel } from "./model";
import type { ClusterConfig, StackConfig } from "./schema";


export interface EksOutputs {
  endpoint: pulumi.Output<string>;
  oidcProviderArn: pulumi.Output<string>;
  nodeGroups: pulumi.Output<string[]>;
  storageClass: pulumi.Output<string>;
}

/** Stack outputs. A platform's cluster facts, credential and kubeconfig are what its team stacks read. */
export interface FleetOutputs {
  stack: string;
  team?: string;
  githubUrl: string;
  githubAuth?: GithubCredentialValue["kind"];
  /** Secret: the credential, for team stacks (through a StackReference, never copied). */
  githubCredential?: pulumi.Output<GithubCredentialValue>;
  clusterName?: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  cluster?: ClusterFacts;
  controllerNamespace?: pulumi.Output<string>;
  runnerNamespace?: pulumi.Output<string>;
  eks?: EksOutputs;
  runnerSets: Record<string, RunnerSetOutput>;
  hostPools: Record<string, HostPoolOutput>;
  runnerGroups: Record<string, pulumi.Output<string>>;
  credentialSecretArn?: pulumi.Output<string>;
}

interface ClusterHandle {
  provider: k8s.Provider;
  name: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  /** What runner sets must wait for besides the controller and credential (e.g. the StorageClass). */
  dependsOn?: pulumi.Resource[];
  eks?: EksOutputs;
}

function clusterFor(cluster: ClusterConfig, config: pulumi.Config, protect: boolean, tags: Record<string, string>, aws: () => AwsContext): ClusterHandle {
  if (cluster.type === "kind") {
    const kind = new KindCluster(cluster.name, { cluster }, { protect });
    return { provider: kind.provider, name: kind.clusterName, kubeconfig: kind.kubeconfig };
  }
  if (cluster.type === "eks") {
    const eks = new EksCluster(cluster.name, { cluster, tags, aws: aws() }, { protect });
    return {
      provider: eks.provider,
      name: eks.clusterName,
      kubeconfig: eks.kubeconfig,
      dependsOn: [eks.storage],
      eks: { endpoint: eks.endpoint, oidcProviderArn: eks.oidcProviderArn, nodeGroups: eks.nodeGroupNames, storageClass: eks.storageClass },
    };
  }
  const kubeconfig = config.getSecret("kubeconfig");
  const existing = new ExistingCluster("cluster", { cluster, kubeconfig });
  return kubeconfig ? { provider: existing.provider, name: existing.clusterName, kubeconfig } : { provider: existing.provider, name: existing.clusterName };
}

/** One AWS context per stack, made only if something in the stack uses AWS (kind stacks never do). */
function sharedAwsContext(): () => AwsContext {
  let ctx: AwsContext | undefined;
  return () => (ctx ??= awsContext());
}

/** A platform stack: its own cluster and controller, the credential once, everything its teams build on. */
function platformProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config): FleetOutputs {
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

/**
 * A team stack: its namespace, runner sets, pools and runner group on its platform's cluster. The
 * platform's facts are read first, so a set the platform cannot run is a config error before any
 * resource exists; the credential and kubeconfig stay secret Outputs end to end.
 */
async function teamProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config, platform: string): Promise<FleetOutputs> {
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

/** The stack: validate everything first (a ConfigError leaves nothing registered), then build its role. */
export async function fleetProgram(source: ConfigSource = pulumiConfigSource()): Promise<FleetOutputs> {
  const cfg = parseStackConfig(source);
  const config = new pulumi.Config(source.project);
  return cfg.platform === undefined ? platformProgram(cfg, source, config) : teamProgram(cfg, source, config, cfg.platform);
}
