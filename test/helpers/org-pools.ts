/** An organisation's host pools in stack-file form: n pools, alternating amd64 and arm64, one label each. */
export function orgPools(n: number): { name: string; arch: string; instanceTypes: string[]; labels: string[]; capacity: { min: number; desired: number; max: number } }[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `team-${String(i).padStart(3, "0")}-${i % 2 === 0 ? "x64" : "arm"}`,
    arch: i % 2 === 0 ? "amd64" : "arm64",
    instanceTypes: i % 2 === 0 ? ["c7i.xlarge"] : ["c7g.xlarge"],
    labels: [`team-${i}`],
    capacity: { min: 0, desired: 0, max: 8 },
  }));
}
