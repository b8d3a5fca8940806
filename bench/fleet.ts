/** A synthetic fleet of N runner sets (and N/10 host pools) on EKS, as stack config for the render. */
export function syntheticConfig(sets: number): Record<string, string> {
  const runnerSets = Array.from({ length: sets }, (_, i) => ({
    name: `set-${i}`,
    arch: i % 2 === 0 ? "amd64" : "arm64",
    labels: [`team-${i % 50}`, `set-${i}`],
    storage: { size: "10Gi", oneTrustDomain: true },
  }));
  const hostPools = Array.from({ length: Math.max(1, Math.floor(sets / 10)) }, (_, i) => ({
    name: `pool-${i}`,
    arch: i % 2 === 0 ? "amd64" : "arm64",
    instanceTypes: i % 2 === 0 ? ["c6i.large"] : ["c7g.large"],
    labels: [`pool-${i}`],
  }));
  const cluster = {
    type: "eks",
    name: "bench",
    nodeGroups: [
      { name: "amd64", arch: "amd64", instanceTypes: ["m7i.large"] },
      { name: "arm64", arch: "arm64", instanceTypes: ["c7g.large"] },
    ],
  };
  return {
    "aws:region": "eu-west-1",
    "runner-fleet:github": JSON.stringify({ url: "https://github.com/bench", auth: "token" }),
    "runner-fleet:githubToken": "ghp_benchmarktoken000000000000000000000",
    "runner-fleet:cluster": JSON.stringify(cluster),
    "runner-fleet:runnerSets": JSON.stringify(runnerSets),
    "runner-fleet:hostPools": JSON.stringify(hostPools),
  };
}
