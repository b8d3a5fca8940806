import type { Arch } from "./arch";
import type { KeyIssue } from "./errors";
import { cacheStorage, type ArcConfig, type ClusterConfig, type RunnerSetConfig } from "./schema";
import { CONTROLLER_SERVICE_ACCOUNT, PRIVILEGED_TAINT } from "./names";

export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: string;
}

/**
 * What runner sets need to know about the cluster they run on. A platform stack derives it from
 * its own config and exports it; a team stack reads it from its platform stack.
 */
export interface ClusterFacts {
  type: "kind" | "eks" | "existing";
  archs: Arch[];
  /** The class for caches and work volumes where a set names none. */
  storageClass: string | undefined;
  /** kind only: host directory that instance caches live under. */
  cacheHostPath: string | undefined;
  /** kind only: its local-path provisioner's class, for per-job work volumes. */
  localStorageClass: string | undefined;
  controllerNamespace: string;
  controllerServiceAccount: string;
  /** Per arch, what a runner pod must tolerate to land on that arch's nodes. */
  tolerations: Record<Arch, Toleration[]>;
  /**
   * EKS: per arch, what a privileged set tolerates to land on that arch's privileged node groups;
   * absent where there is none (absent altogether in facts exported by older platform stacks).
   */
  privilegedTolerations?: Partial<Record<Arch, Toleration[]>>;
}

/** What makes a set privileged: dind's privileged sidecar, or a hostPath cache (kind without a storage class). */
export function setNeedsPrivilege(set: Pick<RunnerSetConfig, "containerMode" | "storage">, facts: Pick<ClusterFacts, "storageClass" | "cacheHostPath">): boolean {
  const storage = cacheStorage(set);
  const hostPath = storage !== undefined && (storage.storageClass ?? facts.storageClass) === undefined && facts.cacheHostPath !== undefined;
  return set.containerMode === "dind" || hostPath;
}

function tolerationsOf(cluster: ClusterConfig, arch: Arch, privileged: boolean): Toleration[] {
  if (cluster.type !== "eks") return [];
  const seen = new Map<string, Toleration>();
  for (const g of cluster.nodeGroups.filter((n) => n.arch === arch && n.privileged === privileged)) {
    for (const t of [...g.taints, ...(g.privileged ? [PRIVILEGED_TAINT] : [])]) {
      const tol: Toleration =
        t.value === undefined ? { key: t.key, operator: "Exists", effect: t.effect } : { key: t.key, operator: "Equal", value: t.value, effect: t.effect };
      seen.set(JSON.stringify(tol), tol);
    }
  }
  return [...seen.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function clusterFacts(cluster: ClusterConfig, arc: ArcConfig): ClusterFacts {
  const archs: Arch[] =
    cluster.type === "kind" ? [cluster.arch] : cluster.type === "eks" ? [...new Set(cluster.nodeGroups.map((g) => g.arch))] : cluster.archs;
  const facts: ClusterFacts = {
    type: cluster.type,
    archs: [...archs].sort(),
    storageClass: cluster.type === "kind" ? undefined : cluster.storageClass,
    cacheHostPath: cluster.type === "kind" ? cluster.cacheHostPath : undefined,
    localStorageClass: cluster.type === "kind" ? cluster.storageClass : undefined,
    controllerNamespace: arc.controllerNamespace,
    controllerServiceAccount: CONTROLLER_SERVICE_ACCOUNT,
    tolerations: { amd64: tolerationsOf(cluster, "amd64", false), arm64: tolerationsOf(cluster, "arm64", false) },
  };
  if (cluster.type === "eks") {
    facts.privilegedTolerations = {};
    for (const a of archs) if (cluster.nodeGroups.some((g) => g.arch === a && g.privileged)) facts.privilegedTolerations[a] = tolerationsOf(cluster, a, true);
  }
  return facts;
}

/** Whether the cluster can run each set: its arch, and a class for its storage. */
export function clusterIssues(sets: readonly RunnerSetConfig[], facts: ClusterFacts, where: string): KeyIssue[] {
  const issues: KeyIssue[] = [];
  sets.forEach((s, i) => {
    const path = ["runnerSets", i];
    if (!facts.archs.includes(s.arch)) {
      const what = facts.type === "eks" ? "node group" : "node";
      issues.push({ path: [...path, "arch"], message: `no ${s.arch} ${what}s in ${where} (it has ${facts.archs.join(", ")}); the runners would never be scheduled` });
    }
    if (facts.type === "eks" && setNeedsPrivilege(s, facts) && facts.privilegedTolerations?.[s.arch] === undefined) {
      issues.push({
        path: [...path, "containerMode"],
        message: `${s.containerMode} runs a privileged pod: ${where} needs an ${s.arch} node group with privileged: true, kept apart from the ARC controller and listeners`,
      });
    }
    const storage = cacheStorage(s);
    if (facts.type !== "kind" && storage !== undefined && storage.storageClass === undefined && facts.storageClass === undefined) {
      issues.push({ path: [...path, "storage", "storageClass"], message: `required: ${where} names no storageClass for per-instance caches` });
    }
    if (s.containerMode === "kubernetes" && facts.type !== "kind" && s.workVolume.storageClass === undefined && facts.storageClass === undefined) {
      issues.push({ path: [...path, "workVolume", "storageClass"], message: `required for containerMode kubernetes: ${where} names no storageClass` });
    }
  });
  return issues;
}
