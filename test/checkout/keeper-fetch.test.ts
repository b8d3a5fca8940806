import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeeperRefusal, parseRequest } from "../../host/agent/git-keeper";
import { hasCommand } from "../helpers/env";
import { fixture, type Fixture } from "./fixture";
import { expectOk, keeperSlot, type JobOver, type KeeperSlot } from "./keeper-slot";
import { git, Upstream } from "./repos";
import { runStep } from "./runner";

// What the keeper fetches for a job and how it keeps root's mirror between jobs, with real git on
// both sides and the bundled action as the slot's uid. A job as GitHub starts it names its commit
// (GITHUB_SHA) and its ref: the keeper then fetches that one commit by id into that branch, as
// actions/checkout does, and no other ref; fetch-depth 0 asks for every branch and tag. Between
// jobs (`settle`) root repacks a mirror it has not repacked yet (short delta chains for what every
// later fetch's connectivity check reads) and rolls up the small packs fetches leave, without
// dropping any object: a later job borrows them.
const RUN = hasCommand("git", "git") && hasCommand("setpriv", "util-linux");
const ROOT = process.getuid?.() === 0;

const packs = (mirror: string) => readdirSync(join(mirror, "objects", "pack")).filter((p) => p.endsWith(".pack"));
const objects = (mirror: string) => git(["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"], mirror).split("\n").sort();
/** The longest delta chain in any of the mirror's packs (0: no deltas). */
function longestChain(mirror: string): number {
  let longest = 0;
  for (const p of packs(mirror)) {
    const out = git(["verify-pack", "-v", join(mirror, "objects", "pack", p.replace(/\.pack$/, ".idx"))]);
    for (const m of out.matchAll(/^chain length = (\d+):/gm)) longest = Math.max(longest, Number(m[1]));
  }
  return longest;
}

describe.runIf(RUN && ROOT)("the git keeper's fetch and root's upkeep of the mirror", () => {
  let f: Fixture;
  let slot: KeeperSlot;

  beforeAll(async () => {
    f = await fixture("keeper-fetch");
    slot = await keeperSlot(f);
  }, 120_000);
  afterAll(async () => {
    await slot?.keeper.close();
    await f?.close();
  });

  /** One job through main, post and the agent's settle; its step and the refs its checkout has. */
  const runJob = async (repo: string, over: JobOver) => {
    const j = slot.job({ ...over, with: { repository: `acme/${repo}`, ...over.with }, github: { repository: `acme/${repo}`, ...over.github } });
    const m = await runStep("main", j);
    expectOk(m);
    const refs = git(["for-each-ref", "--format=%(refname) %(objectname)"], j.workspace).split("\n").filter(Boolean).sort();
    expectOk(await runStep("post", j, m.state));
    return { m, refs };
  };

  it("a job's own commit: that commit by id into its branch, no other ref, no request at all when the mirror has it; fetch-depth 0 gets every branch and tag as upstream has them now", async () => {
    const up = new Upstream(f.root, "acme", "refs");
    up.commit("c0", { "a.txt": "a\n" });
    up.g("tag", "-a", "-m", "v1", "v1");
    up.push("main", "refs/tags/v1");
    up.g("checkout", "--quiet", "-b", "feature");
    up.commit("f1", { "f.txt": "f\n" });
    up.push("feature");
    up.g("checkout", "--quiet", "main");
    const tip = up.commit("c1", { "a.txt": "a1\n" });
    up.push("main");

    // The first job of the repository on this slot, as GitHub starts it for a push to main.
    const first = await runJob("refs", { github: { sha: tip, ref: "refs/heads/main" } });
    expect(first.m.outputs).toMatchObject({ commit: tip, ref: "refs/heads/main", mode: "keeper" });
    expect(first.refs).toEqual([`refs/remotes/origin/main ${tip}`]);
    // Only the job's commit reached root's mirror: no other branch, no tag.
    const mirrorRefs = git(["for-each-ref", "--format=%(refname)"], slot.mirror("refs")).split("\n");
    expect(mirrorRefs).toEqual(["refs/remotes/origin/main"]);
    await slot.settle();

    // The same commit again (a re-run): the mirror has it, and the server is asked nothing.
    const before = f.server.stats().requests;
    const again = await runJob("refs", { github: { sha: tip, ref: "refs/heads/main" } });
    expect(again.m.outputs).toMatchObject({ commit: tip });
    expect(f.server.stats().requests - before).toBe(0);
    await slot.settle();

    // Upstream moves on: a new tag on an older commit, a new branch. fetch-depth 0 sees them all.
    up.g("tag", "-a", "-m", "v2", "v2", "feature");
    up.g("branch", "release", "main~1");
    up.push("refs/tags/v2", "release");
    const all = await runJob("refs", { github: { sha: tip, ref: "refs/heads/main" }, with: { "fetch-depth": "0" } });
    const upstream = git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/tags/"], up.bare)
      .split("\n")
      .map((l) => {
        const [name, sha] = l.split(" ") as [string, string];
        // The job's tags as upstream has them (annotated: the tag object), its branches as origin's.
        return `${name.replace(/^refs\/heads\//, "refs/remotes/origin/")} ${sha}`;
      });
    expect(all.refs).toEqual([...upstream].sort());
    expect(all.refs.some((r) => r.startsWith("refs/tags/v2 "))).toBe(true);
    await slot.settle();
  }, 300_000);

  it("a commit gone from upstream (force-pushed away) is refused by name, after the exact fetch fails", async () => {
    const up = new Upstream(f.root, "acme", "gone");
    up.commit("c0", { "a.txt": "a\n" });
    const lost = up.commit("c1", { "a.txt": "lost\n" });
    up.push("main");
    up.g("reset", "--quiet", "--hard", "HEAD~1");
    up.push("main");
    git(["reflog", "expire", "--expire=now", "--all"], up.bare);
    git(["gc", "--quiet", "--prune=now"], up.bare);
    const j = slot.job({ with: { repository: "acme/gone" }, github: { repository: "acme/gone", sha: lost, ref: "refs/heads/main" } });
    const m = await runStep("main", j);
    expect(m.code).toBe(1);
    expect(m.errors).toEqual([expect.stringMatching(new RegExp(`^input ref: commit ${lost} is not in acme/gone`))]);
    expectOk(await runStep("post", j, m.state));
    await slot.settle();
  }, 300_000);

  it("root repacks a new mirror between jobs (chains at most 10 long) and rolls up the packs later fetches leave, and no object is ever dropped", async () => {
    const up = new Upstream(f.root, "acme", "packs");
    // Long delta chains as pushes leave them on a server: one file that grows a little in each of
    // 40 commits (each version is closest to the one before), packed upstream with chains up to 50.
    const big = (i: number) => Array.from({ length: 400 }, (_, k) => `line ${k} ${k < i ? `changed in ${k}` : "same"}`).join("\n") + "\n";
    up.commit("c0", { "big.txt": big(0), "other.txt": "o\n" });
    for (let i = 1; i <= 40; i++) up.commit(`c${i}`, { "big.txt": big(i) });
    up.push("main");
    // A branch whose commit the mirror gets, then loses the ref of (pruned by a later full fetch).
    up.g("checkout", "--quiet", "-b", "short-lived");
    const orphan = up.commit("short-lived", { "s.txt": "s\n" });
    up.push("short-lived");
    up.g("checkout", "--quiet", "main");
    git(["repack", "-a", "-d", "-f", "--depth=50", "--window=50", "--quiet"], up.bare);

    await runJob("packs", { github: { sha: up.sha("main"), ref: "refs/heads/main" } });
    await runJob("packs", { github: { sha: orphan, ref: "refs/heads/short-lived" } });
    up.push(":short-lived");
    await runJob("packs", { github: { sha: up.sha("main"), ref: "refs/heads/main" }, with: { "fetch-depth": "0" } });
    const mirror = slot.mirror("packs");
    expect(git(["for-each-ref", "refs/remotes/origin/short-lived"], mirror)).toBe(""); // pruned: the orphan is unreachable now
    // Nothing is repacked while a job could be reading: only the agent's settle does it.
    expect(existsSync(join(mirror, "runner-fleet-packed"))).toBe(false);
    const fetched = objects(mirror);
    expect(longestChain(mirror)).toBeGreaterThan(10); // what upstream sent, as it sent it
    await slot.settle();
    expect(existsSync(join(mirror, "runner-fleet-packed"))).toBe(true);
    expect(packs(mirror)).toHaveLength(1);
    expect(longestChain(mirror)).toBeLessThanOrEqual(10);
    expect(objects(mirror)).toEqual(fetched);
    git(["cat-file", "-e", `${orphan}^{commit}`], mirror);

    // Every later job brings a pack of its own; past four, settle rolls the small ones up.
    let most = 0;
    for (let i = 0; i < 6; i++) {
      const sha = up.commit(`later ${i}`, { [`later/${i}.txt`]: `${i}\n`, "big.txt": big(100 + i) });
      up.push("main");
      const { m } = await runJob("packs", { github: { sha, ref: "refs/heads/main" } });
      expect(m.outputs).toMatchObject({ commit: sha });
      most = Math.max(most, packs(mirror).length);
      const had = objects(mirror);
      await slot.settle();
      expect(objects(mirror)).toEqual(had);
    }
    expect(most).toBe(5);
    expect(packs(mirror).length).toBeLessThanOrEqual(4);
    git(["fsck", "--no-progress", "--no-dangling"], mirror);
  }, 300_000);
});

describe("the keeper's `all` flag", () => {
  const line = (extra: Record<string, unknown>) => JSON.stringify({ v: 1, serverUrl: "https://github.com", owner: "acme", repo: "widgets", token: "ghs_x", want: { kind: "sha", sha: "a".repeat(40), ref: "refs/heads/main" }, ...extra });
  it("absent means every branch and tag, as an action from before the flag expects; anything but a boolean is refused", () => {
    expect(parseRequest(line({}), ["https://github.com"]).all).toBe(true);
    expect(parseRequest(line({ all: false }), ["https://github.com"]).all).toBe(false);
    expect(() => parseRequest(line({ all: "no" }), ["https://github.com"])).toThrow(new KeeperRefusal("all must be true or false"));
  });
});
