import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affinityRunsOn, AFFINITY_KEYS, ROUTE_SCRIPT, routeJobYaml } from "../../config/affinity-routing";
import { routingHint, scaleSetNames } from "../../config/names";
import { evaluate } from "../../tools/expression-eval";
import { isExpr, readWorkflow } from "../../tools/workflow-read";

/** The route step as the runner runs it: bash, KEY and INSTANCES in env, the output in $GITHUB_OUTPUT. One shell for many keys. */
function routeStep(keys: string[], instances: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), "route-"));
  try {
    // Builtins only around the script (no subshell, no cat): forks would dominate the timing.
    const loop = `while IFS= read -r KEY; do : > "$GITHUB_OUTPUT"; ${ROUTE_SCRIPT}\n IFS= read -r line < "$GITHUB_OUTPUT"; echo "$line"; done`;
    const out = execFileSync("bash", ["-c", loop], { input: keys.join("\n") + "\n", env: { PATH: process.env.PATH, INSTANCES: String(instances), GITHUB_OUTPUT: join(dir, "out") }, encoding: "utf8" });
    return out.trim().split("\n").map((l) => {
      const m = /^instance=(\d+)$/.exec(l);
      if (!m) throw new Error(`route step wrote ${JSON.stringify(l)}`);
      return Number(m[1]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function routedWorkflow(stem: string, route: string) {
  const content = `on: [issues, pull_request, push]\njobs:\n${route}\n  work:\n    needs: route\n    runs-on: ${stem}\n    steps: [{run: make}]\n`;
  return readWorkflow("routed.yml", content);
}

const counts = (xs: string[]): Map<string, number> => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

describe("the affinity routing we emit", () => {
  it.each([2, 3, 5])("parses with GitHub's parser and sends issues 1..1000 evenly over %i instances", async (k) => {
    const wf = await routedWorkflow(routingHint("rubionic", k), routeJobYaml(k));
    expect(wf.problems).toEqual([]);
    const runsOn = wf.jobs.find((j) => j.id === "work")!.runsOn!;
    expect(isExpr(runsOn)).toBe(true);
    const issues = Array.from({ length: 1000 }, (_, i) => String(i + 1));
    const chosen = routeStep(issues, k).map((instance) => {
      const r = evaluate((runsOn as { $expr: string }).$expr, { needs: { route: { outputs: { instance: String(instance) } } } });
      if (r.kind !== "value") throw new Error(JSON.stringify(r));
      return r.value.coerceString();
    });
    const sets = scaleSetNames("rubionic", k);
    for (const c of chosen) expect(sets).toContain(c);
    const n = [...counts(chosen).values()];
    expect(n.length).toBe(k);
    expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
    // Issue N → instance N mod k + 1, the seed's intent: the same issue always lands on the same cache.
    expect(chosen[6]).toBe(`rubionic-${(7 % k) + 1}`);
  });

  it("routes by run_number and by branch name, the branch hashed, evenly enough", async () => {
    expect(routeStep(["41", "42", "43"], 3)).toEqual([3, 1, 2]);
    const branches = ["feature/", "fix/", "dependabot/npm_and_yarn/"].flatMap((p) => Array.from({ length: 50 }, (_, i) => `${p}topic-${i}`));
    const n = [...counts(routeStep(branches, 3).map(String)).values()];
    expect(n.length).toBe(3);
    expect(Math.max(...n) / Math.min(...n)).toBeLessThan(1.5);
    // Same branch, same instance.
    expect(routeStep(["feature/x", "feature/x"], 7)[0]).toBe(routeStep(["feature/x"], 7)[0]);
    for (const key of Object.keys(AFFINITY_KEYS) as (keyof typeof AFFINITY_KEYS)[]) expect((await routedWorkflow(affinityRunsOn("rubionic"), routeJobYaml(3, key))).problems).toEqual([]);
  }, 180_000);

  it("a branch name cannot inject into the route step", () => {
    expect(routeStep(['$(touch /tmp/pwned-route)"; echo instance=9 #'], 3)).toHaveLength(1);
  });

  it("publishRouting's form parses too: stem and count from Actions variables", async () => {
    const wf = await routedWorkflow("${{ vars.RUNNER_FLEET_CI_PREFIX }}-${{ needs.route.outputs.instance }}", routeJobYaml("${{ vars.RUNNER_FLEET_CI_INSTANCES }}"));
    expect(wf.problems).toEqual([]);
    const r = evaluate((wf.jobs.find((j) => j.id === "work")!.runsOn as { $expr: string }).$expr, { vars: { RUNNER_FLEET_CI_PREFIX: "ci" }, needs: { route: { outputs: { instance: "2" } } } });
    expect(r.kind === "value" && r.value.coerceString()).toBe("ci-2");
  });

  it("the seed's arithmetic is what GitHub's parser refuses", async () => {
    const wf = await routedWorkflow("rubionic-${{ github.event.issue.number % 3 + 1 }}", routeJobYaml(3));
    expect(wf.problems.map((p) => p.message)).toEqual(["Unexpected symbol: '%'. Located at position 27 within expression: github.event.issue.number % 3 + 1"]);
  });
});
