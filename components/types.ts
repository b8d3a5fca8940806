import type * as pulumi from "@pulumi/pulumi";

/** Every component's type token, in one place. */
export const COMPONENT_TYPES = {
  KindCluster: "runner-fleet:kind:KindCluster",
  ExistingCluster: "runner-fleet:k8s:ExistingCluster",
  EksCluster: "runner-fleet:aws:EksCluster",
  EksNodeGroup: "runner-fleet:aws:EksNodeGroup",
  EbsCsi: "runner-fleet:aws:EbsCsi",
  HostPool: "runner-fleet:aws:HostPool",
  AgentArtifact: "runner-fleet:aws:AgentArtifact",
  PoolBucket: "runner-fleet:aws:PoolBucket",
  ControlPlane: "runner-fleet:control-plane:ControlPlane",
  FleetDashboard: "runner-fleet:control-plane:FleetDashboard",
  ArcController: "runner-fleet:arc:ArcController",
  RunnerNamespace: "runner-fleet:arc:RunnerNamespace",
  TeamAccess: "runner-fleet:arc:TeamAccess",
  TeamAdmissionPolicy: "runner-fleet:arc:TeamAdmissionPolicy",
  RunnerScaleSet: "runner-fleet:arc:RunnerScaleSet",
  GithubCredentials: "runner-fleet:secrets:GithubCredentials",
  AwsGithubSecret: "runner-fleet:secrets:AwsGithubSecret",
  RunnerGroup: "runner-fleet:github:RunnerGroup",
  RoutingVariables: "runner-fleet:github:RoutingVariables",
  // The public components: a source-based plugin package hosts components as <package>:index:<Class>.
  RunnerFleet: "runner-fleet:index:RunnerFleet",
  Ec2RunnerPools: "runner-fleet:index:Ec2RunnerPools",
  ArcRunnerSets: "runner-fleet:index:ArcRunnerSets",
  GithubRunnerGroups: "runner-fleet:index:GithubRunnerGroups",
};
export type ComponentName = keyof typeof COMPONENT_TYPES;

/**
 * What a component was registered as before (an old type token, an old parent). Renaming or moving
 * a component means adding its old identity here, so Pulumi adopts the deployed resources instead of
 * deleting and re-creating them (and everything under them).
 */
export const PREVIOUS_IDENTITIES: Partial<Record<ComponentName, pulumi.Alias[]>> = {};

/** A component's type token and its options with the aliases of its previous identities. */
export function component(name: ComponentName, opts?: pulumi.ComponentResourceOptions): [string, pulumi.ComponentResourceOptions] {
  const previous = PREVIOUS_IDENTITIES[name] ?? [];
  const merged = previous.length === 0 ? (opts ?? {}) : { ...opts, aliases: [...(opts?.aliases ?? []), ...previous] };
  return [COMPONENT_TYPES[name], merged];
}
