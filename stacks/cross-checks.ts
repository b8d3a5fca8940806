import type { z } from "zod";
import { githubArchLabel, type Arch } from "./arch";
import { isScopeError, parseGithubUrl } from "./github-url";
import { scaleSetNames } from "./names";
import type { ClusterConfig, StackConfig } from "./schema";

type Path = (string | number)[];

/** Architectures the cluster's nodes provide. */
export function clusterArchs(cluster: ClusterConfig): Arch[] {
  if (cluster.type === "kind") return [cluster.arch];
  if (cluster.type === "eks") return [...new Set(cluster.nodeGroups.map((g) => g.arch))];
  return cluster.archs;
}

/** The labels a job names to reach a target; a runner set without labels is reached by name only. */
export function routingLabels(target: { labels: string[]; arch?: Arch }, kind: "set" | "pool"): string[] {
  const implicit = kind === "pool" && target.arch ? ["self-hosted", "linux", githubArchLabel(target.arch)] : [];
  return [...new Set([...implicit, ...target.labels].map((l) => l.toLowerCase()))];
}

function isSubset(a: string[], b: string[]): boolean {
  const bs = new Set(b);
  return a.every((x) => bs.has(x));
}

/** Relations between keys that no single field can check. Every issue names the key it is about. */
export function crossCheck(cfg: StackConfig, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string): void => ctx.addIssue({ code: "custom", path, message });
  const mainScope = parseGithubUrl(cfg.github.url);
  const mainHost = isScopeError(mainScope) ? undefined : mainScope.host;

  const checkTarget = (path: Path, t: { githubUrl?: string | undefined; runnerGroup?: string | undefined }): void => {
    const scope = t.githubUrl === undefined ? mainScope : parseGithubUrl(t.githubUrl);
    if (isScopeError(scope)) {
      if (t.githubUrl !== undefined) issue([...path, "githubUrl"], scope.error);
      return;
    }
    if (t.githubUrl !== undefined && mainHost !== undefined && scope.host !== mainHost) {
      issue([...path, "githubUrl"], `must be on ${mainHost}, the host the credential in github.url is for (got ${scope.host})`);
    }
    if (t.runnerGroup !== undefined && scope.kind === "repo") {
      issue([...path, "runnerGroup"], "runner groups exist only for organisation and enterprise URLs; a repository's runners have none");
    }
  };

  const firstByName = (list: { name: string }[], key: string): void => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const prev = seen.get(item.name);
      if (prev !== undefined) issue([key, i, "name"], `duplicate name "${item.name}", already used by ${key}[${prev}]`);
      else seen.set(item.name, i);
    });
  };
  firstByName(cfg.runnerSets, "runnerSets");
  firstByName(cfg.hostPools, "hostPools");

  if (cfg.runnerSets.length > 0 && cfg.cluster === undefined) {
    issue(["cluster"], "required when runnerSets are configured (type: kind, eks or existing)");
  }

  const scaleSetOwner = new Map<string, number>();
  cfg.runnerSets.forEach((s, i) => {
    const path: Path = ["runnerSets", i];
    checkTarget(path, s);
    for (const n of scaleSetNames(s.name, s.instances)) {
      const prev = scaleSetOwner.get(n);
      if (prev !== undefined && prev !== i) issue([...path, "name"], `scale set name "${n}" is also derived from runnerSets[${prev}]`);
      scaleSetOwner.set(n, i);
    }
    const cluster = cfg.cluster;
    if (cluster === undefined) return;
    const archs = clusterArchs(cluster);
    if (!archs.includes(s.arch)) {
      const where = cluster.type === "eks" ? "node group" : "node";
      issue([...path, "arch"], `no ${s.arch} ${where}s in this cluster (it has ${archs.join(", ")}); the runners would never be scheduled`);
    }
    if (cluster.type === "existing" && s.storage.storageClass === undefined && cluster.storageClass === undefined) {
      issue([...path, "storage", "storageClass"], "required: the cluster names no storageClass for per-instance caches");
    }
    if (
      s.containerMode === "kubernetes" &&
      cluster.type === "existing" &&
      s.workVolume.storageClass === undefined &&
      cluster.storageClass === undefined
    ) {
      issue([...path, "workVolume", "storageClass"], "required for containerMode kubernetes: the cluster names no storageClass");
    }
  });
  cfg.hostPools.forEach((p, i) => checkTarget(["hostPools", i], p));

  const targets = [
    ...cfg.runnerSets.map((s, i) => ({ path: ["runnerSets", i] as Path, name: s.name, labels: routingLabels(s, "set") })),
    ...cfg.hostPools.map((p, i) => ({ path: ["hostPools", i] as Path, name: p.name, labels: routingLabels(p, "pool") })),
  ].filter((t) => t.labels.length > 0);
  for (let j = 0; j < targets.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = targets[i]!;
      const b = targets[j]!;
      const [narrow, wide] = isSubset(b.labels, a.labels) ? [b, a] : isSubset(a.labels, b.labels) ? [a, b] : [undefined, undefined];
      if (narrow === undefined || wide === undefined) continue;
      issue(
        [...b.path, "labels"],
        `overlaps ${a.path[0]}[${a.path[1]}] (${a.name}): a job with runs-on [${narrow.labels.join(", ")}] could land on ` +
          `${narrow.name} or ${wide.name}; give each a label the other lacks`,
      );
    }
  }
}
