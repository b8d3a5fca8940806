import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand } from "../helpers/env";
import { fixture, type Fixture } from "./fixture";
import { filesContaining, git, Upstream } from "./repos";
import { runStep, type Step } from "./runner";

// The paths around the warm mirror: a runner without a cache (plain clone), inputs the action
// refuses by name, submodules over the authenticated server, LFS content.
const RUN = hasCommand("git", "git") && hasCommand("flock", "util-linux");

function expectOk(step: Step): void {
  expect(step.code, step.raw).toBe(0);
  expect(step.errors, step.raw).toEqual([]);
}
const head = (dir: string) => git(["rev-parse", "HEAD"], dir);

/** A PATH holding only the given tools (as links to Debian's), to take one away. */
function pathWith(dir: string, tools: string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const t of tools) symlinkSync(`/usr/bin/${t}`, join(dir, t));
  return dir;
}

describe.runIf(RUN)("plain clone without a cache, refusals, submodules", () => {
  let f: Fixture;
  let up: Upstream;
  const shas: string[] = [];

  beforeAll(async () => {
    f = await fixture("clone");
    up = new Upstream(f.root, "acme", "widgets");
    for (let i = 0; i < 5; i++) shas.push(up.commit(`c${i}`, { "n.txt": `${i}\n` }));
    up.g("tag", "-a", "-m", "release", "v2.0", shas[2]!);
    up.push("main", "refs/tags/v2.0");
  });
  afterAll(async () => f?.close());

  const noCache = { RUNNER_FLEET_CACHE_DIR: "" };

  it("clones GITHUB_SHA fetch-depth deep; the post step has nothing to remove", async () => {
    const j = f.job({ env: noCache, github: { sha: shas[4]! } });
    const m = await runStep("main", j);
    expectOk(m);
    expect(m.outputs).toMatchObject({ commit: shas[4], mode: "clone", ref: "refs/heads/main" });
    expect(head(j.workspace)).toBe(shas[4]);
    expect(git(["rev-list", "--count", "HEAD"], j.workspace)).toBe("1");
    expect(git(["rev-parse", "--is-shallow-repository"], j.workspace)).toBe("true");
    expect(git(["status", "--porcelain"], j.workspace)).toBe("");
    expect(existsSync(f.cache)).toBe(false);
    const p = await runStep("post", j, m.state);
    expectOk(p);
    expect(head(j.workspace)).toBe(shas[4]); // a plain clone is the runner's to clean, as with actions/checkout
    expect(filesContaining([j.workspace], f.secrets)).toEqual([]);
    for (const s of f.secrets) expect(m.raw).not.toContain(s);
  });

  it("fetch-depth 0: all history, branches and tags; a named tag or branch resolves like actions/checkout", async () => {
    const j = f.job({ env: noCache, with: { ref: "main", "fetch-depth": "0" } });
    const m = await runStep("main", j);
    expectOk(m);
    expect(m.outputs).toMatchObject({ commit: shas[4], ref: "refs/heads/main" });
    expect(git(["rev-list", "--count", "HEAD"], j.workspace)).toBe("5");
    expect(git(["rev-parse", "origin/main", "v2.0^{commit}"], j.workspace)).toBe(`${shas[4]}\n${shas[2]}`);

    const t = f.job({ env: noCache, with: { ref: "v2.0", "fetch-depth": "2" } });
    const mt = await runStep("main", t);
    expectOk(mt);
    expect(mt.outputs).toMatchObject({ commit: shas[2], ref: "refs/tags/v2.0" });
    expect(git(["rev-list", "--count", "HEAD"], t.workspace)).toBe("2");
  });

  it("a deleted branch is refused by name; a leftover workspace is emptied first, with a warning", async () => {
    up.push(`${shas[1]}:refs/heads/old`);
    const j = f.job({ env: noCache, with: { ref: "old" } });
    writeFileSync(join(j.workspace, "leftover.txt"), "from an earlier job");
    const m = await runStep("main", j);
    expectOk(m);
    expect(head(j.workspace)).toBe(shas[1]);
    expect(existsSync(join(j.workspace, "leftover.txt"))).toBe(false);
    expect(m.warnings).toEqual([expect.stringContaining("is not empty")]);

    up.push(":refs/heads/old");
    const gone = await runStep("main", f.job({ env: noCache, with: { ref: "old" } }));
    expect(gone.code).toBe(1);
    expect(gone.errors).toEqual([expect.stringMatching(/^input ref: 'old' is not a branch or tag of acme\/widgets/)]);
  });

  it("without flock(1) the cache is not used unlocked: a plain clone and a warning", async () => {
    const j = f.job({ github: { sha: shas[0]! }, env: { PATH: pathWith(join(f.tmp, "no-flock"), ["git"]) } });
    const m = await runStep("main", j);
    expectOk(m);
    expect(m.outputs.mode).toBe("clone");
    expect(m.warnings).toEqual([expect.stringContaining("flock(1) is not installed")]);
    expect(head(j.workspace)).toBe(shas[0]);
    expectOk(await runStep("post", j, m.state));
  });

  // Each refused before anything is fetched, with an ::error:: naming the input.
  const refusals: [string, Record<string, string>, RegExp][] = [
    ["a path outside the workspace", { path: "../elsewhere" }, /^input path: '\.\.\/elsewhere' is outside the workspace/],
    ["an absolute path elsewhere", { path: "/etc" }, /^input path: '\/etc' is outside the workspace/],
    ["an unknown submodules value", { submodules: "some" }, /^input submodules: 'some' is not one of false, true, recursive/],
    ["an lfs value that is not a boolean", { lfs: "yes" }, /^input lfs: 'yes' is not one of false, true/],
    ["a negative fetch-depth", { "fetch-depth": "-1" }, /^input fetch-depth: '-1' is not an integer ≥ 0/],
    ["a fetch-depth that is not a number", { "fetch-depth": "all" }, /^input fetch-depth: 'all' is not an integer/],
    ["a repository that is not owner/name", { repository: "acme/widgets/extra" }, /^input repository: 'acme\/widgets\/extra' is not owner\/name/],
    ["a ref git would refuse", { ref: "main..other" }, /^input ref: 'main\.\.other' is neither a commit SHA nor a valid ref name/],
    ["a ref that would be an option", { ref: "--upload-pack=evil" }, /^input ref: '--upload-pack=evil' is neither/],
    ["a cache-max-age-days that is not a number", { "cache-max-age-days": "soon" }, /^input cache-max-age-days: 'soon' is not an integer/],
    ["a zero lock timeout", { "lock-timeout-seconds": "0" }, /^input lock-timeout-seconds: '0' is not an integer ≥ 1/],
  ];
  it.each(refusals)("refuses %s by name", async (_what, inputs, message) => {
    const before = f.server.stats().requests;
    const m = await runStep("main", f.job({ with: inputs, github: { sha: shas[0]! } }));
    expect(m.code).toBe(1);
    expect(m.errors).toEqual([expect.stringMatching(message)]);
    expect(f.server.stats().requests).toBe(before);
  });

  it("refuses a path that goes through a symlink", async () => {
    const j = f.job({ with: { path: "linked/repo" }, github: { sha: shas[0]! } });
    mkdirSync(join(f.tmp, "outside"));
    symlinkSync(join(f.tmp, "outside"), join(j.workspace, "linked"));
    const m = await runStep("main", j);
    expect(m.code).toBe(1);
    expect(m.errors).toEqual([expect.stringMatching(/^input path: 'linked\/repo' goes through the symlink/)]);
    expect(readdirSync(join(f.tmp, "outside"))).toEqual([]);
  });

  it("refuses lfs: true by name on a runner without git-lfs", async () => {
    const m = await runStep("main", f.job({ with: { lfs: "true" }, github: { sha: shas[0]! }, env: { PATH: pathWith(join(f.tmp, "no-lfs"), ["git", "flock", "sh", "cat"]) } }));
    expect(m.code).toBe(1);
    expect(m.errors).toEqual(["input lfs: 'true' needs git-lfs, which is not installed on this runner"]);
  });

  describe("submodules, fetched through the same authenticated server", () => {
    let parentSha: string;
    beforeAll(() => {
      const grandchild = new Upstream(f.root, "acme", "grandchild");
      grandchild.commit("gc", { "gc.txt": "grandchild\n" });
      grandchild.push("main");
      const child = new Upstream(f.root, "acme", "child");
      child.commit("c", { "c.txt": "child\n" });
      // Relative URLs resolve against the superproject's remote: the server, for the action.
      child.g("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", "../grandchild", "nested");
      child.commit("nested", {});
      child.push("main");
      const parent = new Upstream(f.root, "acme", "parent");
      parent.commit("p", { "p.txt": "parent\n" });
      parent.g("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", "../child", "lib/child");
      parentSha = parent.commit("with child", {});
      parent.push("main");
    });

    for (const mode of ["worktree", "clone"] as const) {
      it(`${mode}: true checks out one level, recursive all; post removes them with the worktree`, async () => {
        const env = mode === "clone" ? noCache : {};
        const refusedBefore = f.server.stats().refused;
        for (const submodules of ["true", "recursive"]) {
          const j = f.job({ env, with: { repository: "acme/parent", submodules, "fetch-depth": "0" } });
          const m = await runStep("main", j);
          expectOk(m);
          expect(m.outputs).toMatchObject({ commit: parentSha, mode });
          expect(readFileSync(join(j.workspace, "lib/child/c.txt"), "utf8")).toBe("child\n");
          expect(existsSync(join(j.workspace, "lib/child/nested/gc.txt"))).toBe(submodules === "recursive");
          expect(git(["status", "--porcelain"], j.workspace)).toBe("");
          expect(filesContaining([j.workspace, f.cache], f.secrets)).toEqual([]);
          expectOk(await runStep("post", j, m.state));
          if (mode === "worktree") expect(readdirSync(j.workspace)).toEqual([]);
        }
        expect(f.server.stats().refused).toBe(refusedBefore); // the submodule fetches carried the header
      });
    }
  });
});

describe.runIf(RUN && hasCommand("git-lfs", "git-lfs"))("LFS content (file:// remote: git-lfs's standalone transfer)", () => {
  let f: Fixture;
  let sha: string;
  let big: Buffer;
  beforeAll(async () => {
    f = await fixture("lfs");
    const up = new Upstream(f.root, "acme", "assets");
    up.g("remote", "set-url", "origin", `file://${up.bare}`);
    up.g("lfs", "install", "--local");
    up.g("lfs", "track", "*.bin");
    big = Buffer.alloc(200_000, 7);
    sha = up.commit("lfs", { ".gitattributes": readFileSync(join(up.work, ".gitattributes")), "model.bin": big });
    up.push("main");
  });
  afterAll(async () => f?.close());

  for (const mode of ["worktree", "clone"] as const) {
    it(`${mode}: the real content, not the pointer, and a clean status`, async () => {
      const j = f.job({ with: { repository: "acme/assets", lfs: "true" }, github: { server_url: `file://${f.root}` }, env: mode === "clone" ? { RUNNER_FLEET_CACHE_DIR: "" } : {} });
      const m = await runStep("main", j);
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: sha, mode });
      expect(readFileSync(join(j.workspace, "model.bin")).equals(big)).toBe(true);
      expect(git(["status", "--porcelain"], j.workspace)).toBe("");
      expectOk(await runStep("post", j, m.state));
    });
  }
});
