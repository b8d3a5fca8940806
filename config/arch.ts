export const ARCHES = ["amd64", "arm64"] as const;
export type Arch = (typeof ARCHES)[number];

/** The label GitHub gives a runner of this architecture (what `runs-on: [self-hosted, ARM64]` matches). */
export function githubArchLabel(arch: Arch): "X64" | "ARM64" {
  return arch === "arm64" ? "ARM64" : "X64";
}

/**
 * The architecture an EC2 instance type runs, from its family, never guessed from the size:
 * Graviton families carry a `g` right after the generation digit (c7g, m6gd, c7gn, im4gn, is4gen,
 * g5g, t4g), plus the first-generation `a1`.
 */
export function instanceTypeArch(instanceType: string): Arch | undefined {
  const family = instanceType.split(".")[0];
  if (!family || !instanceType.includes(".")) return undefined;
  if (family === "a1") return "arm64";
  const m = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family);
  if (!m) return undefined;
  return m[3]!.startsWith("g") ? "arm64" : "amd64";
}
