import { githubArchLabel, type Arch } from "./arch";
import type { HostPoolConfig, StackConfig } from "./schema";

/** A host pool with its derived names, labels and GitHub endpoints decided. */
export interface HostPoolModel {
  config: HostPoolConfig;
  name: string;
  arch: Arch;
  /** The Auto Scaling group's name: fixed, because hosts are told it before the group exists. */
  asgName: string;
  githubUrl: string;
  apiUrl: string;
  /** What jobs select: GitHub's defaults for a self-hosted Linux runner of this arch, then the pool's own. */
  labels: string[];
}

/** The REST API root of a GitHub host: api.github.com, or /api/v3 on GitHub Enterprise Server. */
export function githubApiUrl(githubUrl: string): string {
  const host = new URL(githubUrl).host;
  return host === "github.com" ? "https://api.github.com" : `https://${host}/api/v3`;
}

export function hostLabels(pool: HostPoolConfig): string[] {
  const labels = ["self-hosted", "linux", githubArchLabel(pool.arch)];
  for (const l of [...pool.labels].sort()) if (!labels.some((x) => x.toLowerCase() === l.toLowerCase())) labels.push(l);
  return labels;
}

export function hostPoolModel(cfg: StackConfig, pool: HostPoolConfig, project: string, stack: string): HostPoolModel {
  const githubUrl = pool.githubUrl ?? cfg.github.url;
  return {
    config: pool,
    name: pool.name,
    arch: pool.arch,
    asgName: `${project}-${stack}-${pool.name}`,
    githubUrl,
    apiUrl: githubApiUrl(githubUrl),
    labels: hostLabels(pool),
  };
}
