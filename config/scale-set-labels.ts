import { registeredLabels } from "../protocol/labels";
import { githubArchLabel, type Arch } from "./arch";

/**
 * The labels config.sh gives a self-hosted Linux runner by default. Scale-set runners get none of
 * them unless the set is registered with them (DESIGN.md §4), so we register them by default:
 * workflows written for classic runners (`runs-on: [self-hosted, linux, ARM64]`) keep running.
 */
export function selfHostedDefaults(arch: Arch): string[] {
  return ["self-hosted", "linux", githubArchLabel(arch)];
}

export interface LabelChoice {
  labels: readonly string[];
  arch: Arch;
  /** The stack's `selfHostedLabels` switch (default true). */
  selfHostedLabels: boolean;
}

/**
 * Exactly the labels a scale set is registered with, in ARC's order: its name first, then the
 * stack's labels, then the self-hosted defaults, deduplicated case-insensitively. The one list the
 * control plane registers for a pool, ARC's `scaleSetLabels` carries for a runner set (ARC adds
 * the name itself) and the stack outputs show: three readers, one function.
 */
export function scaleSetLabels(scaleSetName: string, c: LabelChoice): string[] {
  // Sorted: GitHub matches labels as a set, so reordering them in a stack file changes nothing here
  // (and re-creates nothing).
  return registeredLabels(scaleSetName, [...[...c.labels].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())), ...(c.selfHostedLabels ? selfHostedDefaults(c.arch) : [])]);
}
