import type { Arch } from "./arch";
import { clusterFacts, setNeedsPrivilege, type ClusterFacts, type Toleration } from "./cluster-facts";
import { prefixed } from "./cross-checks";
import { isScopeError, parseGithubUrl, type GithubScope } from "./github-url";
import { PRIVILEGED_NODE_LABEL, routingHint, scaleSetBase, scaleSetNames } from "./names";
import { scaleSetLabels } from "./scale-set-labels";
import { cacheStorage, JOB_POD_MODES, type ContainerMode, type RunnerSetConfig, type StackConfig } from "./schema";
import { ARC_RUNNER_IMAGE } from "./versions";

export type { Toleration } from "./cluster-facts";

/**
 * Who writes what in an instance's cache. "ref": the runner's hook decides per job, from the job's
 * github context (kubernetes modes only): trusted default-branch jobs write the repository's shared
 * part, every other job a part of its own. "instance": every job writes the one cache (the stack
 * declared storage.oneTrustDomain).
 */
export type CacheScope =
  | { kind: "ref"; defaultBranch: string; writeMountPath: string }
  | { kind: "instance" };

/** Where an instance keeps its cache between jobs. */
export type CacheVolume =
  | { kind: "hostPath"; path: string; mountPath: string; scope: CacheScope }
  | { kind: "pvc"; claimName: string; storageClass: string; size: string; mountPath: string; scope: CacheScope };

/** One gha-runner-scale-set install: the unit a job lands on. */
export interface ScaleSetInstance {
  index: number;
  name: string;
  /** Exactly what this instance's scale set is registered with, name first (scaleSetLabels). */
  registeredLabels: string[];
  /** None where jobs run in the runner container and the stack did not declare one trust domain. */
  cache: CacheVolume | undefined;
}

/** A runner set with everything the components need decided: names, storage, image. */
export interface RunnerSetModel {
  /** The stack's own key for the set (without a team prefix). */
  key: string;
  /** The name everything derives from: the key, prefixed with the team in a team stack. */
  name: string;
  githubUrl: string;
  scope: GithubScope;
  arch: Arch;
  tolerations: Toleration[];
  /** dind or a hostPath cache: lives in the privileged namespace (and on EKS, privileged node groups only). */
  privileged: boolean;
  /** Node labels the runner pod must land on, beyond os and arch. */
  nodeSelector: Record<string, string>;
  labels: string[];
  selfHostedLabels: boolean;
  runnerGroup: string | undefined;
  minRunners: number;
  maxRunners: number;
  containerMode: ContainerMode;
  image: string;
  namespace: string;
  workVolume: { size: string; storageClass: string } | undefined;
  instances: ScaleSetInstance[];
  routingHint: string;
  scaleSetBase: string;
  publishRouting: boolean;
}

function scopeOf(url: string): GithubScope {
  const s = parseGithubUrl(url);
  // The schema has rejected bad URLs before a model is built.
  if (isScopeError(s)) throw new Error(`unreachable: ${s.error}`);
  return s;
}

function cacheFor(facts: ClusterFacts, set: RunnerSetConfig, scaleSetName: string): CacheVolume | undefined {
  const storage = cacheStorage(set);
  if (storage === undefined) return undefined;
  // The schema refuses a cache in the runner-container modes unless one trust domain is declared.
  const scope: CacheScope =
    JOB_POD_MODES.includes(set.containerMode) && !storage.oneTrustDomain
      ? { kind: "ref", defaultBranch: storage.defaultBranch, writeMountPath: storage.writeMountPath }
      : { kind: "instance" };
  const storageClass = storage.storageClass ?? facts.storageClass;
  if (storageClass === undefined && facts.cacheHostPath !== undefined) {
    return { kind: "hostPath", path: `${facts.cacheHostPath}/${scaleSetName}`, mountPath: storage.mountPath, scope };
  }
  // clusterIssues rejects a set with no class on a cluster without one.
  return { kind: "pvc", claimName: `${scaleSetName}-cache`, storageClass: storageClass ?? "", size: storage.size, mountPath: storage.mountPath, scope };
}

/** The namespace runner pods live in: the team's own in a team stack. */
/** A team's runner namespace on its platform's cluster; the platform makes it, the team's sets live in it. */
export function teamNamespace(team: string): string {
  return `${team}-runners`;
}

export function runnerNamespace(cfg: StackConfig): string {
  return cfg.team === undefined ? cfg.arc.runnerNamespace : teamNamespace(cfg.team);
}

/** Privileged sets get a namespace of their own, so one dind set never relaxes Pod Security for the rest. */
export function privilegedNamespace(cfg: StackConfig): string {
  return `${runnerNamespace(cfg)}-privileged`;
}

export function runnerSetModel(cfg: StackConfig, facts: ClusterFacts, set: RunnerSetConfig): RunnerSetModel {
  const githubUrl = set.githubUrl ?? cfg.github.url;
  const name = prefixed(cfg.team, set.name);
  const workClass = set.workVolume.storageClass ?? facts.storageClass ?? facts.localStorageClass ?? "";
  const privileged = setNeedsPrivilege(set, facts);
  const onPrivilegedNodes = privileged && facts.type === "eks";
  return {
    key: set.name,
    name,
    githubUrl,
    scope: scopeOf(githubUrl),
    arch: set.arch,
    tolerations: onPrivilegedNodes ? (facts.privilegedTolerations?.[set.arch] ?? []) : facts.tolerations[set.arch],
    privileged,
    nodeSelector: onPrivilegedNodes ? { [PRIVILEGED_NODE_LABEL]: "true" } : {},
    // GitHub matches labels as a set: a sorted list keeps reordering from touching anything.
    labels: [...set.labels].sort(),
    selfHostedLabels: set.selfHostedLabels,
    runnerGroup: set.runnerGroup,
    minRunners: set.minRunners,
    maxRunners: set.maxRunners,
    containerMode: set.containerMode,
    image: set.image ?? ARC_RUNNER_IMAGE,
    namespace: privileged ? privilegedNamespace(cfg) : runnerNamespace(cfg),
    workVolume: set.containerMode === "kubernetes" ? { size: set.workVolume.size, storageClass: workClass } : undefined,
    instances: scaleSetNames(name, set.instances).map((n, i) => ({
      index: i + 1,
      name: n,
      registeredLabels: scaleSetLabels(n, { labels: [...set.labels].sort(), arch: set.arch, selfHostedLabels: set.selfHostedLabels }),
      cache: cacheFor(facts, set, n),
    })),
    routingHint: routingHint(name, set.instances),
    scaleSetBase: scaleSetBase(name),
    publishRouting: set.publishRouting,
  };
}

/** The whole fleet, decided from a validated config and the cluster's facts: pure, tested without Pulumi. */
export interface FleetModel {
  config: StackConfig;
  facts: ClusterFacts | undefined;
  runnerSets: RunnerSetModel[];
}

/** For a platform stack the facts come from its own cluster config; a team stack passes its platform's. */
export function fleetModel(cfg: StackConfig, platformFacts?: ClusterFacts): FleetModel {
  const facts = platformFacts ?? (cfg.cluster ? clusterFacts(cfg.cluster, cfg.arc) : undefined);
  return { config: cfg, facts, runnerSets: facts ? cfg.runnerSets.map((s) => runnerSetModel(cfg, facts, s)) : [] };
}
