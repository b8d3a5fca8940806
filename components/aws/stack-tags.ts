/**
 * The tags that name the project and stack owning an AWS resource. The control plane's Auto
 * Scaling grant is conditioned on them (components/control-plane/policies.ts): every pool's group
 * carries them, and no group of another stack or project carries the same pair.
 */
export function stackTags(project: string, stack: string): Record<string, string> {
  return { "runner-fleet:project": project, "runner-fleet:stack": stack };
}
