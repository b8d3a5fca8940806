import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import type * as k8s from "@pulumi/kubernetes";
import { podSecurityLevel } from "../arc/pod-security";
import { usesContainerHooks } from "../arc/hook-template-names";
import { RunnerNamespace } from "../arc/RunnerNamespace";
import { RunnerScaleSet } from "../arc/RunnerScaleSet";
import { AgentArtifact } from "../aws/AgentArtifact";
import type { AwsContext } from "../aws/aws-context";
import { HostPool, hostRoleArn } from "../aws/HostPool";
import { PoolBucket } from "../aws/PoolBucket";
import { stackTags } from "../aws/stack-tags";
import { FleetDashboard } from "../control-plane/FleetDashboard";
import { ControlPlane } from "../control-plane/ControlPlane";
import { githubProviderAuth, githubProviderTarget } from "../github/github-provider";
import { routingExpression, routingRouteJob } from "../github/routing";
import { routeJobYaml } from "../../config/affinity-routing";
import { RoutingVariables } from "../github/RoutingVariables";
import { RunnerGroup } from "../github/RunnerGroup";
import { AwsGithubSecret } from "../secrets/AwsGithubSecret";
import type { GithubCredentialValue } from "../../config/credentials";
import { GithubCredentials } from "../secrets/GithubCredentials";
import type { ClusterFacts } from "../../config/cluster-facts";
import { asgNamePrefix, githubApiUrl, hostPoolModel } from "../../config/host-model";
import { runnerNamespace, type FleetModel, type RunnerSetModel } from "../../config/model";
import type { StackConfig } from "../../config/schema";
import { childOf } from "./moved";
import type { ControlPlaneOutput, HostPoolOutput, RunnerSetOutput } from "./outputs";

export const CREDENTIALS_SECRET_NAME = "runner-fleet-github";

export function runnerSetOutput(set: RunnerSetModel): RunnerSetOutput {
  const scaleSets = set.instances.map((i) => i.name);
  const out: RunnerSetOutput = {
    githubUrl: set.githubUrl,
    arch: set.arch,
    labels: set.labels,
    registeredLabels: Object.fromEntries(set.instances.map((i) => [i.name, i.registeredLabels])),
    instances: scaleSets.length,
    scaleSets,
    runsOn: scaleSets.length === 1 ? scaleSets[0]! : set.routingHint,
    routingHint: set.routingHint,
  };
  if (scaleSets.length > 1) out.routeJob = routeJobYaml(scaleSets.length);
  if (set.publishRouting) {
    out.routingExpression = routingExpression(set);
    if (scaleSets.length > 1) out.routeJob = routingRouteJob(set);
  }
  return out;
}

/** Tags on every AWS resource: which fleet, stack and project (and team) own it. */
export function awsTags(project: string, stack: string, team: string | undefined): Record<string, string> {
  return { ...stackTags(project, stack), ...(team ? { "runner-fleet:team": team } : {}), "managed-by": "pulumi" };
}

/** The runner namespace, its credential Secret and one RunnerScaleSet per set, on the given cluster. */
/**
 * Where runner sets get their namespaces and credential Secret. `cluster`: this stack owns the
 * cluster and makes both. `team`: the platform made the namespaces (and, when `secretName` is set,
 * the Secret in them); a team that brings its own credential makes only its Secrets.
 */
export type RunnerSetAccess =
  | { kind: "cluster"; credential: pulumi.Output<GithubCredentialValue> }
  | { kind: "team"; secretName: string }
  | { kind: "team"; credential: pulumi.Output<GithubCredentialValue> };

export function composeRunnerSets(
  model: FleetModel,
  facts: ClusterFacts,
  provider: k8s.Provider,
  access: RunnerSetAccess,
  dependsOn: pulumi.Resource[],
  parent?: pulumi.Resource,
): { runnerNamespace: pulumi.Output<string>; runnerSets: Record<string, RunnerSetOutput> } {
  const opts = childOf(parent, { provider });
  // Privileged sets (dind, hostPath caches) get a namespace and credential Secret of their own, so
  // the others stay at Pod Security baseline whatever a privileged set needs. A credential Secret is
  // made only in a namespace that has sets.
  const base = runnerNamespace(model.config);
  const namespaces = new Map<string, RunnerNamespace>();
  const namespaceArgs = (ns: string) => {
    const sets = model.runnerSets.filter((s) => s.namespace === ns);
    return { name: ns, podSecurity: podSecurityLevel(sets), jobServiceAccount: sets.some(usesContainerHooks) };
  };
  const credentials = new Map<string, GithubCredentials>();
  // A team's namespaces are the platform's; a cluster's own are made here.
  const namespaceOf = (ns: string): { name: pulumi.Output<string> } => {
    if (access.kind === "team") return { name: pulumi.output(ns) };
    let made = namespaces.get(ns);
    if (!made) namespaces.set(ns, (made = new RunnerNamespace(ns, namespaceArgs(ns), opts)));
    return made;
  };
  /** The Secret a set names: the platform's (already there), or one made here per namespace. */
  const secretIn = (ns: string): { name: pulumi.Input<string>; dependsOn: pulumi.Resource[] } => {
    if ("secretName" in access) return { name: access.secretName, dependsOn: [] };
    let made = credentials.get(ns);
    const suffix = ns === base ? "" : "-privileged";
    if (!made) credentials.set(ns, (made = new GithubCredentials(`github-credentials${suffix}`, { namespace: namespaceOf(ns).name, credential: access.credential, secretName: CREDENTIALS_SECRET_NAME }, opts)));
    return { name: made.secretName, dependsOn: [made] };
  };
  const runnerNs = namespaceOf(base);
  const out: Record<string, RunnerSetOutput> = {};
  for (const set of model.runnerSets) {
    const secret = secretIn(set.namespace);
    new RunnerScaleSet(
      set.name,
      {
        set,
        credentialsSecretName: secret.name,
        controllerNamespace: facts.controllerNamespace,
        controllerServiceAccount: facts.controllerServiceAccount,
        dependsOn: [...secret.dependsOn, ...dependsOn],
      },
      opts,
    );
    out[set.key] = runnerSetOutput(set);
  }
  return { runnerNamespace: runnerNs.name, runnerSets: out };
}

/**
 * Host pools and their control plane. The credential goes to Secrets Manager (the given secret, or
 * one made here) where only the control plane's role can read it; hosts get JIT configs from the
 * control plane's broker and never see it.
 */
export function composeHostPools(
  cfg: StackConfig,
  credential: pulumi.Output<GithubCredentialValue> | undefined,
  existingSecret: { arn: pulumi.Input<string>; kmsKeyArn?: string } | undefined,
  project: string,
  stack: string,
  tags: Record<string, string>,
  aws: AwsContext,
  parent?: pulumi.Resource,
): { hostPools: Record<string, HostPoolOutput>; credentialSecretArn: pulumi.Output<string>; controlPlane: ControlPlaneOutput } {
  const opts = childOf(parent, {});
  const kms = cfg.credentialKmsKeyArn ? { kmsKeyArn: cfg.credentialKmsKeyArn } : {};
  if (!existingSecret && !credential) throw new Error("host pools need a credential or an existing Secrets Manager secret");
  const made = existingSecret ? undefined : new AwsGithubSecret("github-credential", { credential: credential!, secretName: `${project}/${stack}/github`, tags, ...kms }, opts);
  const secret = existingSecret ?? { arn: made!.arn, ...kms };
  const pools = cfg.hostPools.map((p) => hostPoolModel(cfg, p, project, stack));
  const bucket = new PoolBucket("host-pools", { tags }, opts);
  const agent = new AgentArtifact("host-agent", { bucket: bucket.bucket, bucketArn: bucket.arn, tags }, opts);
  // Host roles have fixed names, so the control plane is told their ARNs without waiting for them.
  const hostRoleArns = Object.fromEntries(pools.map((pool) => [pool.name, pulumi.all([aws.partition, aws.account]).apply(([p, a]) => hostRoleArn(p, a, pool))]));
  const controlPlane = new ControlPlane("control-plane", {
    fleet: `${project}-${stack}`,
    pools,
    hostRoleArns,
    groupScope: { namePrefix: asgNamePrefix(project, stack), tags: stackTags(project, stack) },
    secretArn: secret.arn,
    ...(secret.kmsKeyArn ? { kmsKeyArn: secret.kmsKeyArn } : {}),
    bucket: bucket.bucket,
    bucketArn: bucket.arn,
    githubApiUrl: githubApiUrl(cfg.github.url),
    tags,
    aws,
    ...(made ? { dependsOn: [made] } : {}),
  }, opts);
  const dashboard = new FleetDashboard("dashboard", {
    fleet: `${project}-${stack}`,
    pools,
    region: aws.region,
    listenerFunctionName: controlPlane.listenerFunctionName,
    brokerFunctionName: controlPlane.brokerFunctionName,
  }, opts);
  const out: Record<string, HostPoolOutput> = {};
  for (const pool of pools) {
    const p = pool.config;
    const hp = new HostPool(pool.name, {
      pool,
      agent: { objectArn: agent.objectArn, s3Uri: agent.s3Uri, sha256: agent.sha256 },
      bucket: { name: bucket.bucket, arn: bucket.arn },
      broker: { functionName: controlPlane.brokerFunctionName, functionArn: controlPlane.brokerFunctionArn, url: controlPlane.brokerUrl },
      tags,
      aws,
    }, opts);
    out[p.name] = {
      arch: pool.arch,
      labels: pool.labels,
      scaleSetName: pool.scaleSetName,
      runsOn: pool.scaleSetName,
      runnersPerHost: p.runnersPerHost,
      capacity: p.capacity,
      asgName: hp.asgName,
    };
  }
  return {
    hostPools: out,
    credentialSecretArn: pulumi.output(secret.arn),
    controlPlane: {
      brokerFunctionName: controlPlane.brokerFunctionName,
      listenerFunctionName: controlPlane.listenerFunctionName,
      brokerUrl: controlPlane.brokerUrl,
      logGroupName: controlPlane.logGroupName,
      alarmNames: controlPlane.alarmNames,
      dashboardNames: dashboard.dashboardNames,
      bucket: bucket.bucket,
    },
  };
}

/** Runner groups and routing variables, through a GitHub provider authenticated with the same credential. */
export function composeGithub(
  model: FleetModel,
  credential: pulumi.Output<GithubCredentialValue>,
  kind: GithubCredentialValue["kind"],
  parent?: pulumi.Resource,
): { runnerGroups: Record<string, pulumi.Output<string>>; groupResources: pulumi.Resource[] } {
  const cfg = model.config;
  const routed = model.runnerSets.filter((s) => s.publishRouting);
  // A platform makes its teams' groups too: a team on the platform's credential cannot.
  const groups = [...cfg.runnerGroups, ...cfg.teams.flatMap((t) => t.runnerGroups)];
  if (groups.length === 0 && routed.length === 0) return { runnerGroups: {}, groupResources: [] };
  const target = githubProviderTarget(cfg.github.url);
  const auth = pulumi.secret(credential.apply(githubProviderAuth));
  const provider = new github.Provider("github", {
    owner: target.owner,
    ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}),
    ...(kind === "token"
      ? { token: auth.apply((a) => a.token ?? "") }
      : { appAuth: auth.apply((a) => a.appAuth ?? { id: "", installationId: "", pemFile: "" }) }),
  }, childOf(parent, {}));
  const runnerGroups: Record<string, pulumi.Output<string>> = {};
  const groupResources: pulumi.Resource[] = [];
  for (const g of groups) {
    const id = `group-${g.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
    const group = new RunnerGroup(id, { org: target.owner, group: g }, childOf(parent, { provider }));
    runnerGroups[g.name] = group.groupName;
    groupResources.push(group);
  }
  for (const set of routed) new RoutingVariables(`${set.name}-routing`, { set }, childOf(parent, { provider }));
  return { runnerGroups, groupResources };
}
