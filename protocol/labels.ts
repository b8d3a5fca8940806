/**
 * How GitHub routes a job to a runner scale set: every label in the job's `runs-on` must be one of
 * the set's registered labels, compared case-insensitively (DESIGN.md §4: superset matching). The
 * set's name counts only when it was registered as a label. One function for the stand-in, the
 * control plane's registration and check-workflows, so none can drift from the others.
 */
export function labelsMatch(jobLabels: readonly string[], setLabels: readonly string[]): boolean {
  if (jobLabels.length === 0) return false;
  const have = new Set(setLabels.map((l) => l.toLowerCase()));
  return jobLabels.every((l) => have.has(l.toLowerCase()));
}

/** Labels as a scale set is registered with them: name first, then the rest, deduplicated case-insensitively (ARC's order). */
export function registeredLabels(name: string, labels: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of [name, ...labels]) {
    const k = l.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(l);
  }
  return out;
}
