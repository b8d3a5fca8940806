/**
 * Cache-affinity routing GitHub accepts. GitHub's expression language has no arithmetic, so the
 * seed's `issue % N + 1` never parsed. A small route job computes the instance in bash and hands it
 * to `runs-on` through `needs.route.outputs.instance` (chosen over an endsWith/format expression
 * by bench/routing.ts: even spread for any key, strings included, and a readable workflow; see
 * docs/routing.md). Issue N still goes to instance N mod k + 1, as the seed intended.
 */

export const ROUTE_JOB = "route";

/** What related jobs share: issue/PR number, run number, or a branch (a string key, hashed). */
export const AFFINITY_KEYS = {
  issue: "${{ github.event.issue.number || github.event.pull_request.number }}",
  run: "${{ github.run_number }}",
  branch: "${{ github.head_ref || github.ref_name }}",
} as const;
export type AffinityKey = keyof typeof AFFINITY_KEYS;

/**
 * The route step's script. Numbers keep N mod k; any other key is hashed with POSIX cksum. KEY and
 * INSTANCES come through env, never spliced into the script (a branch name is attacker-chosen).
 */
export const ROUTE_SCRIPT = [
  'if [[ "$KEY" =~ ^[0-9]+$ ]]; then n=$((10#$KEY)); else n=$(printf %s "$KEY" | cksum | cut -d" " -f1); fi',
  'echo "instance=$(( n % INSTANCES + 1 ))" >> "$GITHUB_OUTPUT"',
].join("\n");

/** The `runs-on:` of a routed job: the set's stem and the instance the route job chose. */
export function affinityRunsOn(stem: string): string {
  return `${stem}-\${{ needs.${ROUTE_JOB}.outputs.instance }}`;
}

/**
 * The route job as workflow YAML, indented to sit under `jobs:`. `instances` is a count, or an
 * expression such as `${{ vars.X_INSTANCES }}` when publishRouting keeps the count in a variable.
 * It runs on a GitHub-hosted runner; on GHES name any small runner of yours instead.
 */
export function routeJobYaml(instances: number | string, key: AffinityKey = "issue", runsOn = "ubuntu-latest"): string {
  const script = ROUTE_SCRIPT.split("\n").map((l) => `          ${l}`);
  return [
    `  ${ROUTE_JOB}:`,
    `    runs-on: ${runsOn}`,
    `    outputs:`,
    `      instance: \${{ steps.pick.outputs.instance }}`,
    `    steps:`,
    `      - id: pick`,
    `        env:`,
    `          KEY: ${AFFINITY_KEYS[key]}`,
    `          INSTANCES: ${typeof instances === "number" ? `"${instances}"` : instances}`,
    `        run: |`,
    ...script,
  ].join("\n");
}
