import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ArcController } from "../components/arc/ArcController";
import { podSecurityLevel } from "../components/arc/pod-security";
import { RunnerNamespace } from "../components/arc/RunnerNamespace";
import { RunnerScaleSet } from "../components/arc/RunnerScaleSet";
import { EksCluster } from "../components/aws/EksCluster";
import { ExistingCluster } from "../components/k8s/ExistingCluster";
import { KindCluster } from "../components/kind/KindCluster";
import { AgentArtifact } from "../components/aws/AgentArtifact";
import { HostPool } from "../components/aws/HostPool";
import { AwsGithubSecret } from "../components/secrets/AwsGithubSecret";
import type { GithubCredentialValue } from "../components/secrets/github-secret-data";
import { GithubCredentials } from "../components/secrets/GithubCredentials";
import { hostPoolModel } from "./host-model";
import { githubCredential } from "./credentials";
import { parseStackConfig, pulumiConfigSource, type ConfigSource } from "./load";
import { fleetModel, type RunnerSetModel } from "./model";
import type { ClusterConfig, StackConfig } from "./schema";

export const CREDENTIALS_SECRET_NAME = "runner-fleet-github";

export interface RunnerSetOutput {
  githubUrl: string;
  arch: string;
  labels: string[];
  instances: number;
  scaleSets: string[];
  /** A `runs-on:` value: the scale set itself, or with several instances the seed's affinity routing. */
  runsOn: string;
  routingHint: string;
}

export interface FleetOutputs {
  stack: string;
  clusterName?: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  controllerNamespace?: pulumi.Output<string>;
  runnerNamespace?: pulumi.Output<string>;
  eks?: EksOutputs;
  runnerSets: Record<string, RunnerSetOutput>;
  hostPools: Record<string, HostPoolOutput>;
  credentialSecretArn?: pulumi.Output<string>;
}

export interface HostPoolOutput {
  arch: string;
  labels: string[];
  /** A `runs-on:` value that selects exactly this pool. */
  runsOn: string[];
  runnersPerHost: number;
  capacity: { min: number; desired: number; max: number };
  asgName: pulumi.Output<string>;
}

/** The credential in Secrets Manager once, the agent bundle once, then one HostPool per pool. */
function hostPools(
  cfg: StackConfig,
  credential: pulumi.Output<GithubCredentialValue>,
  project: string,
  stack: string,
  tags: Record<string, string>,
): Pick<FleetOutputs, "hostPools" | "credentialSecretArn"> {
  const kms = cfg.credentialKmsKeyArn ? { kmsKeyArn: cfg.credentialKmsKeyArn } : {};
  const secret = new AwsGithubSecret("github-credential", { credential, secretName: `${project}/${stack}/github`, tags, ...kms });
  const agent = new AgentArtifact("host-agent", { tags });
  const out: Record<string, HostPoolOutput> = {};
  for (const p of cfg.hostPools) {
    const pool = hostPoolModel(cfg, p, project, stack);
    const hp = new HostPool(pool.name, { pool, secretArn: secret.arn, agent: { objectArn: agent.objectArn, s3Uri: agent.s3Uri, sha256: agent.sha256 }, tags, ...kms });
    out[pool.name] = { arch: pool.arch, labels: pool.labels, runsOn: pool.labels, runnersPerHost: p.runnersPerHost, capacity: p.capacity, asgName: hp.asgName };
  }
  return { hostPools: out, credentialSecretArn: secret.arn };
}

export function runnerSetOutput(set: RunnerSetModel): RunnerSetOutput {
  const scaleSets = set.instances.map((i) => i.name);
  return {
    githubUrl: set.githubUrl,
    arch: set.arch,
    labels: set.labels,
    instances: scaleSets.length,
    scaleSets,
    runsOn: scaleSets.length === 1 ? scaleSets[0]! : set.routingHint,
    routingHint: set.routingHint,
  };
}

interface ClusterHandle {
  provider: k8s.Provider;
  name: pulumi.Output<string>;
  kubeconfig?: pulumi.Output<string>;
  /** What runner sets must wait for besides the controller and credential (e.g. the StorageClass). */
  dependsOn?: pulumi.Resource[];
  /** Only for EKS: what an operator needs beyond the kubeconfig. */
  eks?: EksOutputs;
}

export interface EksOutputs {
  endpoint: pulumi.Output<string>;
  oidcProviderArn: pulumi.Output<string>;
  nodeGroups: pulumi.Output<string[]>;
  storageClass: pulumi.Output<string>;
}

/** Tags on every AWS resource: which fleet, stack and project own it. */
export function awsTags(project: string, stack: string): Record<string, string> {
  return { "runner-fleet:project": project, "runner-fleet:stack": stack, "managed-by": "pulumi" };
}

function clusterFor(cluster: ClusterConfig, config: pulumi.Config, protect: boolean, tags: Record<string, string>): ClusterHandle {
  if (cluster.type === "kind") {
    const kind = new KindCluster(cluster.name, { cluster }, { protect });
    return { provider: kind.provider, name: kind.clusterName, kubeconfig: kind.kubeconfig };
  }
  if (cluster.type === "eks") {
    const eks = new EksCluster(cluster.name, { cluster, tags }, { protect });
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
  return kubeconfig
    ? { provider: existing.provider, name: existing.clusterName, kubeconfig }
    : { provider: existing.provider, name: existing.clusterName };
}

/**
 * The stack: validate everything first (a ConfigError leaves nothing registered), then the cluster,
 * the controller, the runner namespace and credential, and one RunnerScaleSet per runner set.
 */
export function fleetProgram(source: ConfigSource = pulumiConfigSource()): FleetOutputs {
  const cfg = parseStackConfig(source);
  const model = fleetModel(cfg);
  const config = new pulumi.Config(source.project);
  const outputs: FleetOutputs = { stack: source.stack, runnerSets: {}, hostPools: {} };
  const credential = githubCredential(cfg.github, config);
  const tags = awsTags(source.project, source.stack);
  if (cfg.hostPools.length > 0) Object.assign(outputs, hostPools(cfg, credential, source.project, source.stack, tags));
  if (cfg.cluster === undefined) return outputs;

  const cluster = clusterFor(cfg.cluster, config, cfg.protect, tags);
  const k8sOpts = { provider: cluster.provider };
  const controller = new ArcController("arc", { arc: cfg.arc }, { ...k8sOpts, protect: cfg.protect });
  const runnerNs = new RunnerNamespace(
    cfg.arc.runnerNamespace,
    { name: cfg.arc.runnerNamespace, podSecurity: podSecurityLevel(model.runnerSets) },
    k8sOpts,
  );
  const credentials = new GithubCredentials(
    "github-credentials",
    { namespace: runnerNs.name, credential, secretName: CREDENTIALS_SECRET_NAME },
    k8sOpts,
  );
  for (const set of model.runnerSets) {
    new RunnerScaleSet(
      set.name,
      {
        set,
        credentialsSecretName: credentials.secretName,
        controllerNamespace: controller.namespace,
        controllerServiceAccount: controller.serviceAccount,
        dependsOn: [controller, credentials, ...(cluster.dependsOn ?? [])],
      },
      k8sOpts,
    );
    outputs.runnerSets[set.name] = runnerSetOutput(set);
  }
  outputs.clusterName = cluster.name;
  if (cluster.eks) outputs.eks = cluster.eks;
  if (cluster.kubeconfig) outputs.kubeconfig = pulumi.secret(cluster.kubeconfig);
  outputs.controllerNamespace = controller.namespace;
  outputs.runnerNamespace = runnerNs.name;
  return outputs;
}
