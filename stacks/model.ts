import { isScopeError, parseGithubUrl, type GithubScope } from "./github-url";
import { routingHint, scaleSetBase, scaleSetNames } from "./names";
import type { ClusterConfig, ContainerMode, RunnerSetConfig, StackConfig } from "./schema";
import { RUNNER_IMAGE } from "./versions";
import type { Arch } from "./arch";

/** Where an instance keeps its cache between jobs. */
export type CacheVolume =
  | { kind: "hostPath"; path: string; mountPath: string }
  | { kind: "pvc"; claimName: string; storageClass: string; size: string; mountPath: string };

export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: string;
}

/**
 * What a set of this arch must tolerate: the taints of the node groups that provide the arch
 * (e.g. `runner-fleet/arch=arm64:NoSchedule` on Graviton groups), so its pods can land there and
 * nothing else does by accident.
 */
export function tolerationsFor(cluster: ClusterConfig, arch: Arch): Toleration[] {
  if (cluster.type !== "eks") return [];
  const seen = new Map<string, Toleration>();
  for (const g of cluster.nodeGroups.filter((n) => n.arch === arch)) {
    for (const t of g.taints) {
      const tol: Toleration =
        t.value === undefined ? { key: t.key, operator: "Exists", effect: t.effect } : { key: t.key, operator: "Equal", value: t.value, effect: t.effect };
      seen.set(JSON.stringify(tol), tol);
    }
  }
  return [...seen.values()];
}

/** One gha-runner-scale-set install: the unit a job lands on. */
export interface ScaleSetInstance {
  index: number;
  name: string;
  cache: CacheVolume;
}

/** A runner set with everything the components need decided: names, storage, image. */
export interface RunnerSetModel {
  name: string;
  githubUrl: string;
  scope: GithubScope;
  arch: Arch;
  tolerations: Toleration[];
  labels: string[];
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
}

function scopeOf(url: string): GithubScope {
  const s = parseGithubUrl(url);
  // The schema has rejected bad URLs before a model is built.
  if (isScopeError(s)) throw new Error(`unreachable: ${s.error}`);
  return s;
}

function cacheFor(cluster: ClusterConfig, set: RunnerSetConfig, scaleSetName: string): CacheVolume {
  const storageClass = set.storage.storageClass ?? (cluster.type === "kind" ? undefined : cluster.storageClass);
  if (storageClass === undefined && cluster.type === "kind") {
    return { kind: "hostPath", path: `${cluster.cacheHostPath}/${scaleSetName}`, mountPath: set.storage.mountPath };
  }
  return {
    kind: "pvc",
    claimName: `${scaleSetName}-cache`,
    // cross-checks reject a set with no class on a cluster without one.
    storageClass: storageClass ?? "",
    size: set.storage.size,
    mountPath: set.storage.mountPath,
  };
}

export function runnerSetModel(cfg: StackConfig, cluster: ClusterConfig, set: RunnerSetConfig): RunnerSetModel {
  const githubUrl = set.githubUrl ?? cfg.github.url;
  const workClass = set.workVolume.storageClass ?? cluster.storageClass;
  return {
    name: set.name,
    githubUrl,
    scope: scopeOf(githubUrl),
    arch: set.arch,
    tolerations: tolerationsFor(cluster, set.arch),
    labels: set.labels,
    runnerGroup: set.runnerGroup,
    minRunners: set.minRunners,
    maxRunners: set.maxRunners,
    containerMode: set.containerMode,
    image: set.image ?? RUNNER_IMAGE,
    namespace: cfg.arc.runnerNamespace,
    workVolume: set.containerMode === "kubernetes" ? { size: set.workVolume.size, storageClass: workClass ?? "" } : undefined,
    instances: scaleSetNames(set.name, set.instances).map((name, i) => ({ index: i + 1, name, cache: cacheFor(cluster, set, name) })),
    routingHint: routingHint(set.name, set.instances),
    scaleSetBase: scaleSetBase(set.name),
  };
}

/** The whole fleet, decided from a validated config: pure, so tests check it without Pulumi. */
export interface FleetModel {
  config: StackConfig;
  runnerSets: RunnerSetModel[];
}

export function fleetModel(cfg: StackConfig): FleetModel {
  const cluster = cfg.cluster;
  return { config: cfg, runnerSets: cluster ? cfg.runnerSets.map((s) => runnerSetModel(cfg, cluster, s)) : [] };
}
