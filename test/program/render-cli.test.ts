import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/env";

function render(args: string[], cwd = REPO): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(REPO, "tools/render.ts"), ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run render", () => {
  it("prints the dev fleet's tree and writes the JSON contract with secrets masked", () => {
    const out = join(mkdtempSync(join(tmpdir(), "render-")), "dev.json");
    const r = render(["--stack", "dev", "--json", out]);
    expect(r.stderr).toContain("rendered with a placeholder");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^stack dev\n  runner-fleet:index:RunnerFleet  fleet\n    runner-fleet:kind:KindCluster  runner-fleet-dev\n      command:local:Command  runner-fleet-dev-kind/);
    expect(r.stdout).toMatch(/\n    runner-fleet:arc:RunnerScaleSet  rubionic\n      kubernetes:helm\.sh\/v3:Release  rubionic-1\n/);
    expect(r.stdout).toContain("17 resources (10 custom, 7 components)");
    const doc = JSON.parse(readFileSync(out, "utf8")) as { stack: string; resources: { type: string; name: string; parent: string | null; inputs: Record<string, unknown> }[]; outputs: Record<string, unknown> };
    expect(doc.stack).toBe("dev");
    expect(Object.keys(doc.resources[0]!).sort()).toEqual(["inputs", "name", "parent", "type"]);
    expect(doc.resources.find((x) => x.name === "rubionic-1")!.parent).toBe("rubionic");
    expect(doc.resources.find((x) => x.type === "kubernetes:core/v1:Secret")!.inputs.stringData).toBe("[secret]");
    expect(doc.outputs.kubeconfig).toBe("[secret]");
    expect(readFileSync(out, "utf8")).not.toContain("placeholder-github-token");
  });

  it("exits non-zero on a bad stack file with the keyed message and no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "render-bad-"));
    copyFileSync(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    writeFileSync(
      join(dir, "Pulumi.broken.yaml"),
      "config:\n  runner-fleet:github: { url: https://github.com/acme, auth: token }\n  runner-fleet:cluster: { type: kind }\n" +
        "  runner-fleet:runnerSets:\n    - name: a\n      minRunners: 3\n      maxRunners: 1\n",
    );
    const r = render(["--stack", "broken"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Pulumi.broken.yaml: runner-fleet:runnerSets[0].maxRunners: must be ≥ minRunners (1 < 3)");
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(r.stdout).toBe("");
  });

  it("says how to call it when the stack is missing", () => {
    const r = render([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: npm run render -- --stack <name>");
  });
});
