import type { RunnerSetModel } from "../../config/model";

export type PodSecurityLevel = "baseline" | "privileged";

/**
 * The Pod Security level the runner namespace can enforce: baseline unless a set needs what
 * baseline forbids (dind's privileged sidecar, a hostPath cache on kind). Privilege is granted by
 * what is configured, never by default.
 */
export function podSecurityLevel(sets: readonly RunnerSetModel[]): PodSecurityLevel {
  const needsPrivileged = sets.some((s) => s.containerMode === "dind" || s.instances.some((i) => i.cache?.kind === "hostPath"));
  return needsPrivileged ? "privileged" : "baseline";
}

export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/warn": level === "privileged" ? "baseline" : "restricted",
  };
}
