import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, prerequisite } from "../helpers/env";
import { fixture, type Fixture } from "./fixture";
import { filesContaining, git, gitAsync, noise, Upstream } from "./repos";
import { runStep, type Job, type Step } from "./runner";

// Real git (Debian's) on both sides: `git http-backend` behind a server that requires the token as
// an Authorization header, and the bundled action run as separate processes the way the runner
// runs it. Nothing here is faked except the runner itself (see runner.ts for what it reproduces).
const RUN = hasCommand("git", "git") && hasCommand("flock", "util-linux");

const worktrees = (mirror: string) =>
  git(["worktree", "list", "--porcelain"], mirror)
    .split("\n")
    .filter((l) => l.startsWith("worktree "))
    .map((l) => l.slice(9));
const parkedOf = (mirror: string) => worktrees(mirror).filter((w) => w.startsWith(`${mirror}.parked/`));
/** Worktrees of running (or dead) jobs: neither the mirror itself nor a parked tree. */
const jobTrees = (mirror: string) => worktrees(mirror).filter((w) => w !== mirror && !w.startsWith(`${mirror}.parked/`));
const jobRefs = (mirror: string) => git(["for-each-ref", "--format=%(refname)", "refs/runner-fleet/"], mirror);
const head = (dir: string) => git(["rev-parse", "HEAD"], dir);

/** A worktree as a job would find it: at the commit, nothing modified, index and objects sound. */
function expectSound(dir: string, sha: string): void {
  expect(head(dir)).toBe(sha);
  expect(git(["status", "--porcelain", "--untracked-files=all"], dir)).toBe("");
  git(["fsck", "--no-progress", "--no-dangling"], dir); // throws on any corruption
}

function expectOk(step: Step): void {
  expect(step.code, step.raw).toBe(0);
  expect(step.errors, step.raw).toEqual([]);
}

describe.runIf(RUN)("warm checkout: mirror in the cache, a worktree per job", () => {
  let f: Fixture;
  let up: Upstream;
  let mirror: string;
  const shas: string[] = [];
  const steps: Step[] = [];
  const run = async (stage: "main" | "post", job: Job, state?: Record<string, string>) => {
    const s = await runStep(stage, job, state);
    steps.push(s);
    return s;
  };

  beforeAll(async () => {
    f = await fixture("warm");
    up = new Upstream(f.root, "acme", "widgets");
    const bulk: Record<string, Buffer> = {};
    for (let i = 0; i < 150; i++) bulk[`assets/${i}.bin`] = noise(2048);
    shas.push(up.commit("c0", { ...bulk, "n.txt": "0\n" }));
    for (let i = 1; i < 8; i++) shas.push(up.commit(`c${i}`, { "n.txt": `${i}\n` }));
    up.g("tag", "v1.0", shas[3]!);
    up.push("main", "refs/tags/v1.0");
    mirror = f.mirror("acme", "widgets");
  });
  afterAll(async () => f?.close());

  it("8 parallel jobs on one cold cache: one full transfer, distinct worktrees at the right commits, sound indexes", async () => {
    // Half take the commit from GITHUB_SHA (the default), half name it in `ref`.
    const jobs = shas.map((sha, i) => (i % 2 === 0 ? f.job({ github: { sha } }) : f.job({ with: { ref: sha } })));
    const before = f.server.stats().bytesOut;
    const mains = await Promise.all(jobs.map((j) => run("main", j)));
    const parallelBytes = f.server.stats().bytesOut - before;

    mains.forEach((m, i) => {
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: shas[i], mode: "worktree" });
      expectSound(jobs[i]!.workspace, shas[i]!);
      expect(readFileSync(join(jobs[i]!.workspace, "n.txt"), "utf8")).toBe(`${i}\n`);
    });
    const paths = jobTrees(mirror);
    expect(new Set(paths)).toEqual(new Set(jobs.map((j) => j.workspace)));
    // Tags and branches are where a clone by actions/checkout would have them.
    expect(git(["describe", "--tags", "--exact-match"], jobs[3]!.workspace)).toBe("v1.0");
    expect(git(["rev-parse", "origin/main"], jobs[0]!.workspace)).toBe(shas[7]);

    // What a single full clone costs over the same server: the parallel jobs paid about that
    // once (the lock let one update the mirror; the other seven found nothing new to fetch).
    const b = f.server.stats().bytesOut;
    await gitAsync(["clone", "--quiet", "--bare", `${f.server.url}/acme/widgets`, join(f.tmp, "reference-clone.git")], undefined, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `http.${f.server.url}/.extraheader`,
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${f.secrets[2]}`,
    });
    const cloneBytes = f.server.stats().bytesOut - b;
    expect(cloneBytes).toBeGreaterThan(300_000);
    expect(parallelBytes).toBeGreaterThan(cloneBytes * 0.9);
    expect(parallelBytes).toBeLessThan(cloneBytes * 1.5);

    const posts = await Promise.all(jobs.map((j, i) => run("post", j, mains[i]!.state)));
    posts.forEach(expectOk);
    expect(jobTrees(mirror)).toEqual([]);
    // keep-worktrees (default 2): two of the eight are parked, clean, for the next jobs.
    const parked = parkedOf(mirror);
    expect(parked).toHaveLength(2);
    for (const p of parked) expect(git(["status", "--porcelain", "--ignored", "--untracked-files=all"], p)).toBe("");
    for (const j of jobs) expect(readdirSync(j.workspace)).toEqual([]); // the workspace stays, empty
    expect(jobRefs(mirror)).toBe("");
    git(["fsck", "--no-progress", "--no-dangling"], mirror);
  });

  it("a warm job fetches only what changed", async () => {
    const next = up.commit("c8", { "n.txt": "8\n" });
    up.push("main");
    const before = f.server.stats().bytesOut;
    const j = f.job({ github: { sha: next } });
    const m = await run("main", j);
    expectOk(m);
    expectSound(j.workspace, next);
    expect(f.server.stats().bytesOut - before).toBeLessThan(20_000);
    expectOk(await run("post", j, m.state));
  });

  it("the next job reuses a parked worktree: unchanged files are not rewritten, nothing the last job left survives", async () => {
    const x = up.commit("c9", { "n.txt": "9\n", "keep.txt": "same\n" });
    const y = up.commit("c10", { "n.txt": "10\n" });
    up.push("main");
    const a = f.job({ github: { sha: x } });
    const ma = await run("main", a);
    expectOk(ma);
    // What a job leaves behind: a modified tracked file, untracked and ignored-looking files, a
    // worktree-only config setting, a read-only directory.
    writeFileSync(join(a.workspace, "n.txt"), "tampered\n");
    mkdirSync(join(a.workspace, "build", "deep"), { recursive: true });
    writeFileSync(join(a.workspace, "build", "deep", "out.o"), "junk");
    chmodSync(join(a.workspace, "build", "deep"), 0o500);
    git(["config", "--worktree", "core.sshCommand", "evil"], a.workspace);
    const inode = statSync(join(a.workspace, "keep.txt")).ino;
    expectOk(await run("post", a, ma.state));
    expect(readdirSync(a.workspace)).toEqual([]);

    const b = f.job({ github: { sha: y } });
    const mb = await run("main", b);
    expectOk(mb);
    expect(mb.raw).toMatch(/parked worktree of .* moved to /);
    expectSound(b.workspace, y);
    expect(git(["status", "--porcelain", "--ignored", "--untracked-files=all"], b.workspace)).toBe("");
    expect(readFileSync(join(b.workspace, "n.txt"), "utf8")).toBe("10\n");
    expect(existsSync(join(b.workspace, "build"))).toBe(false);
    expect(() => git(["config", "--worktree", "--get", "core.sshCommand"], b.workspace)).toThrow();
    // Reused, not rewritten: the file both commits share is the very same file.
    expect(statSync(join(b.workspace, "keep.txt")).ino).toBe(inode);
    expectOk(await run("post", b, mb.state));

    // keep-worktrees: 0 takes none and parks none.
    const before = parkedOf(mirror).length;
    const c = f.job({ github: { sha: y }, with: { "keep-worktrees": "0" } });
    const mc = await run("main", c);
    expectOk(mc);
    expect(mc.raw).not.toMatch(/parked worktree/);
    expectOk(await run("post", c, mc.state));
    expect(parkedOf(mirror).length).toBe(before);
    expect(jobTrees(mirror)).toEqual([]);
  });

  it("the token goes to the server as a header and nowhere else: not on disk, not in argv, not in the log", async () => {
    expect(f.server.stats().refused).toBe(0); // sent with the first request, not after a 401
    const onDisk = filesContaining([f.cache, join(f.tmp, "runners"), join(f.tmp, "home")], f.secrets);
    expect(onDisk).toEqual([]);
    const argv = readFileSync(f.argvLog, "utf8");
    expect(argv).toContain("fetch"); // the recorder saw the fetches
    for (const s of f.secrets) expect(argv).not.toContain(s);
    expect(steps.length).toBeGreaterThan(10);
    for (const step of steps) {
      for (const s of f.secrets) {
        expect(step.raw).not.toContain(s);
        expect(JSON.stringify([step.state, step.outputs])).not.toContain(s);
      }
      if (step === steps[0]) expect(step.masks).toEqual(expect.arrayContaining([f.token, f.secrets[2]]));
    }
    expect(git(["config", "--list"], mirror)).not.toContain("extraheader");
  });

  it("a wrong token fails the fetch by name, the server having refused it", async () => {
    const j = f.job({ github: { sha: shas[0]!, token: "ghs_not_the_token" } });
    const m = await run("main", j);
    expect(m.code).toBe(1);
    expect(m.errors.join("\n")).toMatch(/git .*fetch .*failed/);
    expect(f.server.stats().refused).toBeGreaterThan(0);
    expectOk(await run("post", j, m.state));
    expect(jobTrees(mirror)).toEqual([]);
  });

  it("a job's own GIT_CONFIG_COUNT entries are kept, the header added after them", async () => {
    const j = f.job({ github: { sha: shas[1]! }, env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "advice.detachedHead", GIT_CONFIG_VALUE_0: "false" } });
    const m = await run("main", j);
    expectOk(m);
    expectSound(j.workspace, shas[1]!);
    expectOk(await run("post", j, m.state));
  });

  it("post removes a failed job's worktree whatever the job did to it", async () => {
    // Modified, untracked, ignored-looking and nested files; the job then fails.
    const a = f.job({ github: { sha: shas[2]! } });
    const ma = await run("main", a);
    expectOk(ma);
    writeFileSync(join(a.workspace, "n.txt"), "changed\n");
    mkdirSync(join(a.workspace, "build/deep"), { recursive: true });
    writeFileSync(join(a.workspace, "build/deep/out.o"), "x");
    expectOk(await run("post", a, ma.state));
    expect(readdirSync(a.workspace)).toEqual([]);

    // A path below the workspace, deleted by the job.
    const b = f.job({ github: { sha: shas[2]! }, with: { path: "src/widgets" } });
    const mb = await run("main", b);
    expectOk(mb);
    expectSound(join(b.workspace, "src/widgets"), shas[2]!);
    rmSync(join(b.workspace, "src"), { recursive: true });
    expectOk(await run("post", b, mb.state));

    // Its .git replaced by something else.
    const c = f.job({ github: { sha: shas[2]! } });
    const mc = await run("main", c);
    expectOk(mc);
    writeFileSync(join(c.workspace, ".git"), "gitdir: /nonexistent\n");
    expectOk(await run("post", c, mc.state));
    expect(readdirSync(c.workspace)).toEqual([]);

    // A main step that failed (no such branch): post still runs and leaves nothing behind.
    const d = f.job({ with: { ref: "no-such-branch" } });
    const md = await run("main", d);
    expect(md.code).toBe(1);
    expectOk(await run("post", d, md.state));

    expect(jobTrees(mirror)).toEqual([]);
    // Only parked trees keep an admin entry; none of these broken jobs' trees was parked.
    const admin = join(mirror, "worktrees");
    expect(existsSync(admin) ? readdirSync(admin).length : 0).toBe(parkedOf(mirror).length);
    expect(jobRefs(mirror)).toBe("");
  });

  it("a job that deleted its whole workspace (post cannot even start) is cleaned up by later jobs", async () => {
    const a = f.job({ github: { sha: shas[4]! } });
    const ma = await run("main", a);
    expectOk(ma);
    rmSync(a.workspace, { recursive: true });
    const pa = await run("post", a, ma.state);
    expect(pa.code).toBe(-1); // the runner cannot start a step whose working directory is gone

    const b = f.job({ github: { sha: shas[5]! } });
    const mb = await run("main", b);
    expectOk(mb);
    expect(jobTrees(mirror)).toEqual([b.workspace]); // a's entry pruned
    // a's job ref is kept for the grace period (its worktree might still be on its way) ...
    expect(jobRefs(mirror)).toContain(ma.state.key!);
    // ... and swept once that has passed.
    const record = join(mirror, "runner-fleet-jobs", ma.state.key!);
    writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, "utf8")), created: Date.now() - 2 * 3600_000 }));
    expectOk(await run("post", b, mb.state));
    expect(jobRefs(mirror)).toBe("");
    expect(existsSync(record)).toBe(false);
  });

  it("a force-pushed branch is updated, a deleted one pruned and refused by name; a running job keeps its commit", async () => {
    const f1 = up.commit("feature one", { "feature.txt": "1\n" });
    up.push("HEAD:refs/heads/feature");
    const a = f.job({ with: { ref: "feature" } });
    const ma = await run("main", a);
    expectOk(ma);
    expect(ma.outputs).toMatchObject({ commit: f1, ref: "refs/heads/feature" });

    up.g("reset", "--quiet", "--hard", "HEAD~1");
    const f2 = up.commit("feature two", { "feature.txt": "2\n" });
    up.push("HEAD:refs/heads/feature");
    const b = f.job({ with: { ref: "feature" } });
    const mb = await run("main", b);
    expectOk(mb);
    expect(mb.outputs.commit).toBe(f2);
    expect(git(["rev-parse", "refs/remotes/origin/feature"], mirror)).toBe(f2);

    // The job still running on the old commit keeps it, even through an aggressive gc.
    git(["gc", "--quiet", "--prune=now"], mirror);
    expectSound(a.workspace, f1);

    up.push(":refs/heads/feature", ":refs/tags/v1.0");
    const c = f.job({ with: { ref: "feature" } });
    const mc = await run("main", c);
    expect(mc.code).toBe(1);
    expect(mc.errors).toEqual([expect.stringMatching(/^input ref: 'feature' is not a branch or tag of acme\/widgets/)]);
    expect(git(["for-each-ref", "refs/remotes/origin/feature", "refs/tags/v1.0"], mirror)).toBe("");

    for (const [j, m] of [[a, ma], [b, mb], [c, mc]] as const) expectOk(await run("post", j, m.state));
    expect(jobTrees(mirror)).toEqual([]);
    expect(jobRefs(mirror)).toBe("");
    up.g("reset", "--quiet", "--hard", "main");
  });

  it("a pull request's merge commit (only under refs/pull/) checks out by ref and by GITHUB_SHA", async () => {
    up.g("checkout", "--quiet", "--detach");
    const merge = up.commit("merge of PR 7", { "pr.txt": "7\n" });
    up.push("HEAD:refs/pull/7/merge");
    up.g("checkout", "--quiet", "main");

    const a = f.job({ with: { ref: "refs/pull/7/merge" } });
    const b = f.job({ github: { ref: "refs/pull/7/merge", sha: merge } });
    for (const j of [a, b]) {
      const m = await run("main", j);
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: merge, ref: "refs/pull/7/merge" });
      expectSound(j.workspace, merge);
      expectOk(await run("post", j, m.state));
    }
    expect(jobRefs(mirror)).toBe("");
  });

  it("another repository: its default branch unless a ref is named, in a mirror of its own", async () => {
    const other = new Upstream(f.root, "acme", "gadgets");
    const tip = other.commit("g0", { "g.txt": "g\n" });
    other.push("main");
    const j = f.job({ with: { repository: "acme/gadgets" }, github: { sha: shas[0]! } });
    const m = await run("main", j);
    expectOk(m);
    expect(m.outputs).toMatchObject({ commit: tip, ref: "refs/heads/main" });
    expectSound(j.workspace, tip);
    expect(worktrees(f.mirror("acme", "gadgets"))).toEqual([f.mirror("acme", "gadgets"), j.workspace]);
    expectOk(await run("post", j, m.state));
  });

  it("mirrors unused for cache-max-age-days are removed by a post step, unless a job still uses them", async () => {
    const gadgets = f.mirror("acme", "gadgets");
    expect(existsSync(gadgets)).toBe(true);
    const age = (days: number) => {
      const t = new Date(Date.now() - days * 86400_000);
      utimesSync(join(gadgets, "runner-fleet-last-use"), t, t);
    };
    const widgetsJob = async (maxAge: string) => {
      const j = f.job({ github: { sha: shas[0]! }, with: { "cache-max-age-days": maxAge } });
      const m = await run("main", j);
      expectOk(m);
      const p = await run("post", j, m.state);
      expectOk(p);
      return p;
    };

    // A long job still has a worktree of it: kept however old.
    const g = f.job({ with: { repository: "acme/gadgets" } });
    const mg = await run("main", g);
    expectOk(mg);
    age(30);
    await widgetsJob("7");
    expect(existsSync(gadgets)).toBe(true);
    expectOk(await run("post", g, mg.state));

    age(30);
    await widgetsJob("0"); // 0: never
    expect(existsSync(gadgets)).toBe(true);
    age(6);
    await widgetsJob("7"); // not old enough
    expect(existsSync(gadgets)).toBe(true);
    age(8);
    const p = await widgetsJob("7");
    expect(existsSync(gadgets)).toBe(false);
    expect(p.log).toContain(`removed ${gadgets}`);
    expect(existsSync(mirror)).toBe(true); // the one just used stays

    // The next job on that repository simply makes a new mirror.
    const again = f.job({ with: { repository: "acme/gadgets" } });
    const ma = await run("main", again);
    expectOk(ma);
    expectOk(await run("post", again, ma.state));
  });

  it("waits for the mirror lock no longer than lock-timeout-seconds, and says so", async () => {
    // Holds the lock until its stdin closes, like the action's own holder.
    const holder = spawn("flock", [`${mirror}.lock`, "cat"], { stdio: ["pipe", "ignore", "ignore"] });
    const released = new Promise((r) => holder.on("close", r));
    try {
      // Held once a non-blocking attempt fails.
      for (let i = 0; i < 100; i++) {
        const free = await new Promise<boolean>((res) => spawn("flock", ["-n", `${mirror}.lock`, "true"]).on("close", (c) => res(c === 0)));
        if (!free) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const j = f.job({ github: { sha: shas[0]! }, with: { "lock-timeout-seconds": "1" } });
      const m = await run("main", j);
      expect(m.code).toBe(1);
      expect(m.errors).toEqual([expect.stringMatching(/lock .*widgets\.git\.lock still held by another job after 1 s/)]);
      holder.stdin.end();
      await released;
      expectOk(await run("post", j, m.state));
    } finally {
      holder.stdin.end();
    }
  });
});

// Same rule as every other prerequisite: a warning outside CI, a failure under CI=true.
const ROOT = RUN && prerequisite("root (slot uids for the EC2 warm checkout)", process.getuid?.() === 0, "run as root");
describe.runIf(RUN && ROOT)("warm checkout under a slot's own uid (EC2 hosts)", () => {
  let f: Fixture;
  let sha: string;
  const SLOT = 2001;
  const OTHER = 2002;

  beforeAll(async () => {
    f = await fixture("uid");
    const up = new Upstream(f.root, "acme", "widgets");
    sha = up.commit("c0", { "a.txt": "a\n" });
    up.push("main");
  });
  afterAll(async () => f?.close());

  const slotJob = (uid: number, cache: string) => {
    const home = join(f.tmp, `home-${uid}`);
    mkdirSync(home, { recursive: true });
    const j = f.job({ uid, github: { sha }, env: { RUNNER_FLEET_CACHE_DIR: cache, HOME: home } });
    chown(home, uid);
    chown(j.workspace, uid);
    return j;
  };

  it("works with a cache the slot owns (0700) and removes what the job made read-only", async () => {
    const cache = join(f.tmp, "slot-cache");
    mkdirSync(cache, { mode: 0o700 });
    chown(cache, SLOT);
    const j = slotJob(SLOT, cache);
    const m = await runStep("main", j);
    expectOk(m);
    expect(head(j.workspace)).toBe(sha);
    // A read-only directory with a file in it: removable by its owner only after a chmod.
    mkdirSync(join(j.workspace, "ro"));
    writeFileSync(join(j.workspace, "ro/f"), "x");
    chown(join(j.workspace, "ro"), SLOT);
    chmodSync(join(j.workspace, "ro"), 0o555);
    const p = await runStep("post", j, m.state);
    expectOk(p);
    expect(readdirSync(j.workspace)).toEqual([]);
    expect(worktrees(join(cache, "git-mirrors", new URL(f.server.url).host.replace(":", "_"), "acme", "widgets.git")).length).toBe(1);
  });

  it("refuses a mirror directory another uid owns, naming the setting", async () => {
    const cache = join(f.tmp, "shared-cache");
    mkdirSync(join(cache, "git-mirrors"), { recursive: true, mode: 0o755 }); // root's, as a careless image would leave it
    chmodSync(cache, 0o777);
    const j = slotJob(OTHER, cache);
    const m = await runStep("main", j);
    expect(m.code).toBe(1);
    expect(m.errors).toEqual([expect.stringMatching(/^RUNNER_FLEET_CACHE_DIR: .*git-mirrors belongs to uid 0, not to this job's uid 2002/)]);
  });

  it("another slot cannot reach a slot's cache at all", async () => {
    const j = slotJob(OTHER, join(f.tmp, "slot-cache"));
    const m = await runStep("main", j);
    expect(m.code).toBe(1);
    expect(m.errors.join("\n")).toMatch(/EACCES|permission denied/i);
  });
});

/** The test (root) hands a directory to a slot's uid, as the host agent would. */
function chown(p: string, uid: number): void {
  execFileSync("chown", ["-R", `${uid}:${uid}`, p]);
}
