import type * as pulumi from "@pulumi/pulumi";
import type { ClusterFacts } from "../../config/cluster-facts";
import type { GithubCredentialValue } from "../../config/credentials";

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
  /** A platform's teams: what each team stack needs besides its kubeconfig (nothing secret). */
  teams?: Record<string, TeamOutput>;
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
  /** With host pools: where to watch the control plane (names and URL, nothing secret). */
  controlPlane?: ControlPlaneOutput;
}

export interface ControlPlaneOutput {
  brokerFunctionName: pulumi.Output<string>;
  listenerFunctionName: pulumi.Output<string>;
  /** The broker's function URL (AWS_IAM auth: only the pools' host roles may call it). */
  brokerUrl: pulumi.Output<string>;
  logGroupName: pulumi.Output<string>;
  alarmNames: pulumi.Output<string>[];
  /** CloudWatch dashboards of the pools (docs/operations.md: what each widget answers). */
  dashboardNames: string[];
  /** The pool bucket: runner mirror under runner/, agent bundles under agent/. */
  bucket: pulumi.Output<string>;
}

export interface TeamOutput {
  namespace: string;
  /** Set when the team may run privileged sets. */
  privilegedNamespace?: string;
  /** The platform-made credential Secret in the team's namespaces; unset when the team brings its own. */
  credentialSecretName?: string;
  runnerGroups: Record<string, pulumi.Output<string>>;
  /** The stack output holding the team's scoped kubeconfig (a secret). */
  kubeconfigOutput: string;
}

/** The name of the platform output that holds one team's scoped kubeconfig. */
export function teamKubeconfigOutput(team: string): `teamKubeconfig-${string}` {
  return `teamKubeconfig-${team}`;
}

/** Per-team kubeconfig outputs, each its own secret output so a team reads only its own. */
export type TeamKubeconfigOutputs = Record<`teamKubeconfig-${string}`, pulumi.Output<string>>;

/** A runner set as the fleet reports it. */
export interface RunnerSetOutput {
  /** Where its runners register. */
  githubUrl: string;
  /** The node architecture its runners run on. */
  arch: string;
  /** The stack's own labels for the set. */
  labels: string[];
  /** Per scale set, exactly what it is registered with (name first): what runs-on is matched against. */
  registeredLabels: Record<string, string[]>;
  /** How many scale sets of this shape. */
  instances: number;
  /** The scale sets' names. */
  scaleSets: string[];
  /**
   * A `runs-on:` value: the scale set itself, or with several instances the affinity routing, which
   * reads the instance from the route job (`routeJob`, to paste under `jobs:`; the job `needs: route`).
   */
  runsOn: string;
  /** The `runs-on` expression that pins related jobs to one instance (and its warm cache): issue N goes to instance N mod count + 1. */
  routingHint: string;
  /** With several instances: the route job that picks the instance (docs/routing.md). */
  routeJob?: string;
  /** With publishRouting: the same routing, the stem read from Actions variables (routeJob then reads the count from them too). */
  routingExpression?: string;
}

/** A host pool in the stack's outputs: the component's report, its group's name still an Output. */
export type HostPoolOutput = Omit<HostPoolInfo, "asgName"> & { asgName: pulumi.Output<string> };

/** A host pool's Auto Scaling group size. */
export interface CapacityOutput {
  /** Fewest hosts. */
  min: number;
  /** Hosts at creation. */
  desired: number;
  /** Most hosts. */
  max: number;
}

/** A host pool as the RunnerFleet and Ec2RunnerPools components report it. */
export interface HostPoolInfo {
  /** The hosts' architecture. */
  arch: string;
  /** Exactly what the pool's scale set is registered with, name first: a job is routed here when all its runs-on labels are among these. */
  labels: string[];
  /** The pool's GitHub runner scale set. */
  scaleSetName: string;
  /** The `runs-on:` value that selects exactly this pool: the scale set's name, registered as its first label. */
  runsOn: string;
  /** Runner slots per host. */
  runnersPerHost: number;
  /** The Auto Scaling group's size. */
  capacity: CapacityOutput;
  /** The pool's Auto Scaling group. */
  asgName: string;
}
