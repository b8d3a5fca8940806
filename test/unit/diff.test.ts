import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffRenders, diffValues, formatDiff } from "../../tools/diff-lib";
import type { RenderDocument } from "../../tools/render-format";
import { REPO } from "../helpers/env";

const doc = (resources: RenderDocument["resources"], outputs: unknown = {}): RenderDocument => ({ stack: "s", resources, outputs });
const r = (name: string, inputs: unknown, parent: string | null = null) => ({ type: "t:x:R", name, parent, inputs });

describe("desired-state diff", () => {
  it("reports added, removed and changed resources input by input", () => {
    const d = diffRenders(doc([r("a", { x: 1, y: [1, 2] }), r("b", {})]), doc([r("a", { x: 2, y: [1, 3], z: "[secret]" }), r("c", {}, "a")]));
    expect(d.added).toEqual([{ type: "t:x:R", name: "c", parent: "a" }]);
    expect(d.removed).toEqual([{ type: "t:x:R", name: "b", parent: null }]);
    expect(d.changed).toEqual([{ type: "t:x:R", name: "a", changes: [{ path: "x", before: 1, after: 2 }, { path: "y[1]", before: 2, after: 3 }, { path: "z", before: undefined, after: "[secret]" }] }]);
    const text = formatDiff("s", "main", d);
    expect(text).toContain("1 to add, 1 to change, 1 to remove.");
    expect(text).toContain('~     z: (unset) => "[secret]"');
  });

  it("treats a stack that did not exist at the base as all new, and equal states as no change", () => {
    expect(diffRenders(undefined, doc([r("a", {})])).added).toHaveLength(1);
    expect(formatDiff("s", "main", diffRenders(doc([r("a", { x: 1 })]), doc([r("a", { x: 1 })])))).toMatch(/No changes\.$/);
    expect(diffValues({ a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
  });

  it("npm run diff renders the base ref in a worktree and shows one changed input per instance", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "diff-")), "repo");
    execFileSync("git", ["clone", "--quiet", REPO, dir]);
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    const file = join(dir, "Pulumi.dev.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("maxRunners: 1\n      arch: amd64", "maxRunners: 2\n      arch: amd64"));
    const res = spawnSync(process.execPath, [join(dir, "node_modules/ts-node/dist/bin.js"), "--transpile-only", "tools/diff.ts", "--stack", "dev", "--base", "HEAD"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain("0 to add, 3 to change, 0 to remove.");
    expect(res.stdout).toContain("~     values.maxRunners: 1 => 2");
    expect(res.stdout).not.toContain("placeholder-github-token");
  }, 120_000);
});
