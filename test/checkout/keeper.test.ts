import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitKeeper } from "../../host/agent/git-keeper";
import { hasCommand } from "../helpers/env";
import { fixture, type Fixture } from "./fixture";
import { asSlot, chown, expectOk, keeperSlot, SLOT, type JobOver, type KeeperSlot } from "./keeper-slot";
import { filesContaining, git, Upstream } from "./repos";
import { runStep } from "./runner";
import { gitAttackLines } from "../helpers/git-attacks";

// The host's git keeper (the agent, root) and the bundled action run as a slot's uid, real git on
// both sides (git http-backend behind the token-checking server). Hostile jobs run as that same
// uid and try the four attacks a security review made work against the slot-owned mirror
// (issue 21): a smudge filter with attributes, fsmonitor and hooks, replace refs, insteadOf. Each
// is tried on every place the slot can reach: the keeper's mirror (refused: root's), its own
// checkout (whose files go back to the keeper as a shelved tree), the slot's HOME, and the
// keeper's socket. Then upstream pushes a commit the attacker never saw and the next job on the
// slot checks it out. Between jobs the test calls `settle` as the agent does once a runner's
// processes are gone.
const RUN = hasCommand("git", "git") && hasCommand("flock", "util-linux") && hasCommand("setpriv", "util-linux");
const ROOT = process.getuid?.() === 0;

describe.runIf(RUN && ROOT)("the host's git keeper: a mirror no job can poison", () => {
  let f: Fixture;
  let up: Upstream;
  let slot: KeeperSlot;
  let keeper: GitKeeper;
  let socket: string;
  let mirrorRoot: string;
  let trees: string;
  let cache: string;
  let marks: string;
  let evil: string;
  const mirror = () => slot.mirror();
  const job = (over: JobOver = {}) => slot.job(over);

  beforeAll(async () => {
    f = await fixture("keeper");
    up = new Upstream(f.root, "acme", "widgets");
    const files: Record<string, string> = { "README.md": "upstream\n", ".gitattributes": "*.txt text\n", ".gitignore": "*.log\n", "lib/deep/b.txt": "b\n", "docs/c.txt": "c\n" };
    for (let i = 0; i < 50; i++) files[`src/${i}.txt`] = `file ${i}\n`;
    up.commit("c0", files);
    up.push("main");
    slot = await keeperSlot(f);
    ({ keeper, socket, mirrorRoot, trees, cache } = slot);
    // What the attacker's code does when anything runs it: leaves a mark, and its environment.
    marks = join(f.tmp, "marks");
    mkdirSync(marks, { mode: 0o1777 });
    chmodSync(marks, 0o1777);
    evil = join(f.tmp, "evil.sh");
    writeFileSync(evil, `#!/bin/sh\nname=$(basename "$0")-$1\nenv > "${marks}/$name.$$"\ncat\n`, { mode: 0o755 });
  }, 120_000);
  afterAll(async () => {
    await keeper?.close();
    await f?.close();
  });

  it("checks out through the keeper as the slot's uid: its own repository borrowing the root-owned mirror's objects", async () => {
    const j = job();
    const m = await runStep("main", j);
    expectOk(m);
    const tip = up.sha("main");
    expect(m.outputs).toMatchObject({ commit: tip, ref: "refs/heads/main", mode: "keeper" });
    expect(git(["rev-parse", "HEAD"], j.workspace)).toBe(tip);
    expect(readFileSync(join(j.workspace, ".git/objects/info/alternates"), "utf8")).toBe(`${join(mirror(), "objects")}\n`);
    expect(git(["rev-parse", "origin/main"], j.workspace)).toBe(tip);
    // The mirror is root's and only readable by the slot.
    const st = statSync(mirrorRoot);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, SLOT, 0o750]);
    expect(statSync(mirror()).uid).toBe(0);
    expect((await asSlot(`touch "${mirror()}/x"`, {})).code).not.toBe(0);
    // Nothing from a template: no hooks directory; config is what the action wrote.
    expect(existsSync(join(j.workspace, ".git/hooks"))).toBe(false);
    expectOk(await runStep("post", j, m.state));
    expect(readdirSync(j.workspace)).toEqual([]);
    // The tree went back to the keeper: root's, out of the slot's reach, nothing left in the cache.
    const tr = statSync(trees);
    expect([tr.uid, tr.mode & 0o777]).toEqual([0, 0o700]);
    expect(readdirSync(trees)).toHaveLength(1);
    expect(readdirSync(cache)).toEqual([]);
    expect((await asSlot(`ls "${trees}"`, {})).code).not.toBe(0);
    await keeper.settle(socket);
    // The token: not on disk anywhere the slot or the keeper wrote.
    expect(filesContaining([mirrorRoot, trees, cache, join(f.tmp, "runners"), join(f.tmp, "homes")], f.secrets)).toEqual([]);
  }, 300_000);

  it("the four attacks as the slot's uid: refused at the mirror, undone everywhere the slot can write; the next job gets upstream's exact commit and runs nothing of the attacker's", async () => {
    const victimBlob = git(["rev-parse", "main:README.md"], up.bare);
    // The hostile job: a checkout like any other, then the attacks.
    const a = job();
    const ma = await runStep("main", a);
    expectOk(ma);
    const evilBlob = (await asSlot(`printf 'attacker\\n' | git hash-object -w --stdin`, { HOME: "/nonexistent", GIT_DIR: join(a.workspace, ".git") })).out.trim();
    expect(evilBlob).toMatch(/^[0-9a-f]{40}$/);
    const attackerRepo = new Upstream(join(f.tmp, "attacker-srv"), "evil", "widgets");
    attackerRepo.commit("evil", { "README.md": "attacker's repository\n" });
    attackerRepo.push("main");

    /** The four attacks on one repository's config, info and refs; prints which writes the system let through. */
    const attack = (gitDir: string) => `
d="${gitDir}"
${gitAttackLines({
  evil,
  replace: `w sh -c 'git --git-dir="$0" cat-file -e ${evilBlob} 2>/dev/null || cp -r "${join(a.workspace, ".git/objects")}/${evilBlob.slice(0, 2)}" "$0/objects/"; git --git-dir="$0" update-ref refs/replace/${victimBlob} ${evilBlob}' "$d"`,
  redirect: { from: `${f.server.url}/acme/widgets`, to: attackerRepo.bare },
})}
`;
    // 1. The keeper's mirror: every write refused (root's, 0750).
    const onMirror = await asSlot(attack(mirror()), { HOME: "/nonexistent" });
    expect(onMirror.out).not.toMatch(/^written/m);
    expect(onMirror.out.match(/^refused/gm)).toHaveLength(8);
    // 2. Its own checkout, which goes back to the keeper as a shelved tree: all four in its .git,
    // and its files changed every way that might slip past a stat check. src/3.txt (which the next
    // commit does not touch) is rewritten in place (same inode, same size) and its mtime put back; a file's mode changed; a file linked
    // from the slot's cache (to write through later); `docs` swapped for a link to a directory of
    // the attacker's (a leading-path link); a nested .git with fsmonitor; untracked and ignored
    // files; a directory made unreadable.
    const own = await asSlot(
      `${attack(join(a.workspace, ".git"))}
cd "${a.workspace}" && cp -p src/3.txt "${cache}/ref" && printf 'evil 3\\n' 1<> src/3.txt && touch -r "${cache}/ref" src/3.txt && rm "${cache}/ref" \
 && chmod +x src/1.txt && ln src/2.txt "${cache}/link2" \
 && mkdir "${cache}/docs" && printf 'attacker\\n' > "${cache}/docs/c.txt" && rm -r docs && ln -s "${cache}/docs" docs \
 && mkdir src/.git && printf '[core]\\n\\tfsmonitor = ${evil} nested\\n' > src/.git/config \
 && echo planted > new.txt && echo planted > build.log && chmod 0 lib`,
      { HOME: "/nonexistent" },
    );
    expect(own.code, own.out).toBe(0);
    expect(own.out).not.toMatch(/^refused/m); // the slot may write what is its own
    expect([statSync(join(a.workspace, "src/3.txt")).size, readFileSync(join(a.workspace, "src/3.txt"), "utf8")]).toEqual([7, "evil 3\n"]);
    // 3. The slot's HOME (a persistent slot's job could leave it): a global config with all four.
    const home = a.home;
    expect((await asSlot(attack(join(home, ".gitconfig-dir")).replace(/--file "\$d\/config"/g, `--file "${home}/.gitconfig"`), { HOME: home })).code).toBe(0);
    expect(readFileSync(join(home, ".gitconfig"), "utf8")).toContain("insteadOf");
    // 4. The keeper's socket: another server, a ref outside heads/tags/pull, a token that is not one.
    const ask = (req: object) =>
      new Promise<string>((res) => {
        const c = connect(socket);
        let buf = "";
        c.on("connect", () => c.write(`${JSON.stringify(req)}\n`));
        c.on("data", (d) => (buf += d.toString()));
        c.on("close", () => res(buf));
      });
    const base = { v: 1, serverUrl: f.server.url, owner: "acme", repo: "widgets", token: f.token };
    expect(await ask({ ...base, serverUrl: `file://${join(f.tmp, "attacker-srv")}`, owner: "evil" , want: { kind: "default-branch" } })).toMatch(/is not one this host mirrors/);
    expect(await ask({ ...base, want: { kind: "ref", ref: `refs/replace/${victimBlob}` } })).toMatch(/"ok":false/);
    expect(await ask({ ...base, token: "ghs_wrong", want: { kind: "default-branch" } })).toMatch(/"ok":false/);
    expectOk(await runStep("post", a, ma.state));
    // The runner's end: the attacker's processes are gone; root checks the tree it gave back.
    await keeper.settle(socket);
    // A later job of the slot (another repository's, say) writes through the link it kept while the
    // tree waits in custody, and cannot reach the custody directory itself.
    expect((await asSlot(`printf 'through the link\\n' > "${cache}/link2" && ls "${trees}"`, {})).code).not.toBe(0);
    expect(readFileSync(join(cache, "link2"), "utf8")).toBe("through the link\n");
    // The attacker's hooks ran in its own job (its own update-ref): those marks are its own, cleared
    // here so that any mark from now on is the victim's.
    for (const m of readdirSync(marks)) rmSync(join(marks, m));

    // Upstream moves on: a commit the attacker never saw.
    const trusted = up.commit("trusted", { "README.md": "trusted\n", "src/new.txt": "new\n" });
    up.push("main");

    // The next job, in the same HOME the attacker planted a global config in (the action ignores it).
    const v = f.job({ uid: SLOT, env: { RUNNER_FLEET_GIT_SOCKET: socket, RUNNER_FLEET_CACHE_DIR: cache, HOME: home } });
    chown(join(f.tmp, "runners"), SLOT);
    const mv = await runStep("main", v, {});
    expectOk(mv);
    expect(mv.outputs).toMatchObject({ commit: trusted, mode: "keeper" });
    expect(mv.raw).toContain("with a shelved tree"); // the attacker's tree was the one taken
    expect(mv.raw).toContain("shelved tree taken from the keeper");
    // Upstream's exact content at that commit: every path, every byte, nothing else.
    expect(git(["rev-parse", "HEAD"], v.workspace)).toBe(trusted);
    const listed = git(["ls-tree", "-r", "--name-only", trusted], up.bare).split("\n");
    const onDisk = (await asSlot("find . -path ./.git -prune -o -type f -print | sed 's|^./||' | sort", {}, v.workspace)).out.trim().split("\n");
    expect(onDisk).toEqual([...listed].sort());
    for (const p of listed) expect(readFileSync(join(v.workspace, p), "utf8"), p).toBe(git(["cat-file", "blob", `${trusted}:${p}`], up.bare) + "\n");
    expect(git(["cat-file", "-p", `HEAD:README.md`], v.workspace)).toBe("trusted");
    // Nothing else: no link, no extra directory, every mode as committed, no second link to any file.
    const dirs = new Set(listed.flatMap((p) => p.split("/").slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join("/"))));
    expect((await asSlot("find . -path ./.git -prune -o -type d -print | sed 's|^./||' | grep -v '^\\.$' | sort", {}, v.workspace)).out.trim().split("\n")).toEqual([...dirs].sort());
    expect((await asSlot("find . -path ./.git -prune -o ! -type f ! -type d -print -o -type f -links +1 -print", {}, v.workspace)).out.trim()).toBe("");
    expect(git(["ls-files", "-s", "src/1.txt"], v.workspace)).toMatch(/^100644 /);
    expect(statSync(join(v.workspace, "src/1.txt")).mode & 0o111).toBe(0);
    expect(git(["status", "--porcelain", "--ignored", "--untracked-files=all"], v.workspace)).toBe("");
    expect(git(["for-each-ref", "refs/replace/"], v.workspace)).toBe("");
    // The job's own git commands afterwards (a fresh HOME, as the agent gives every job): nothing of the attacker's runs.
    const fresh = join(f.tmp, "homes", "victim-own");
    mkdirSync(fresh, { recursive: true });
    chown(fresh, SLOT);
    const ownGit = await asSlot("git status --porcelain && git diff HEAD~1 --stat && git log -1 --format=%H && git fetch --quiet origin 2>&1; git checkout -q --detach HEAD~1 && git checkout -q --detach -", { HOME: fresh, GIT_TERMINAL_PROMPT: "0" }, v.workspace);
    expect(ownGit.out).toContain(trusted);
    expect(git(["config", "--list", "--local"], v.workspace)).not.toMatch(/filter|fsmonitor|hooks|insteadof/i);
    expectOk(await runStep("post", v, mv.state));
    // No mark: no filter, hook or fsmonitor of the attacker's ran, so no process of its held the token.
    expect(readdirSync(marks)).toEqual([]);
    // The mirror still holds only what upstream sent.
    expect(git(["for-each-ref", "--format=%(refname)", "refs/replace/"], mirror())).toBe("");
    expect(git(["config", "--list", "--local"], mirror())).not.toMatch(/filter|fsmonitor|insteadof/i);
    git(["fsck", "--no-progress", "--no-dangling"], mirror());
  }, 600_000);

  it("verifies what it hands out: a commit upstream does not have is refused by name", async () => {
    const j = job({ with: { ref: "0123456789abcdef0123456789abcdef01234567" } });
    const m = await runStep("main", j);
    expect(m.code).toBe(1);
    expect(m.errors).toEqual([expect.stringMatching(/^input ref: commit 0123456789abcdef0123456789abcdef01234567 is not in acme\/widgets/)]);
    expectOk(await runStep("post", j, m.state));
  }, 300_000);

  it("a pull request's merge ref and a tag, fetched by the keeper, checked out by ref", async () => {
    up.g("checkout", "--quiet", "--detach");
    const merge = up.commit("merge of PR 3", { "pr.txt": "3\n" });
    up.push("HEAD:refs/pull/3/merge");
    up.g("checkout", "--quiet", "main");
    up.g("tag", "-a", "-m", "rel", "v9", "main");
    up.push("refs/tags/v9");
    for (const [ref, sha, full] of [
      ["refs/pull/3/merge", merge, "refs/pull/3/merge"],
      ["v9", up.sha("main"), "refs/tags/v9"],
    ] as const) {
      const j = job({ with: { ref } });
      const m = await runStep("main", j);
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: sha, ref: full });
      expectOk(await runStep("post", j, m.state));
    }
  }, 300_000);

  it("hands out no tree before the agent says the job that gave it back is over (its processes could still change it)", async () => {
    const other = new Upstream(f.root, "acme", "other");
    other.commit("o1", { "a.txt": "a\n", "dir/b.txt": "b\n" });
    other.push("main");
    const run = async () => {
      const j = job({ with: { repository: "acme/other" } });
      const m = await runStep("main", j);
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: other.sha("main"), mode: "keeper" });
      expectOk(await runStep("post", j, m.state));
      return m.raw;
    };
    expect(await run()).not.toContain("with a shelved tree"); // the first: nothing shelved yet
    expect(await run()).not.toContain("with a shelved tree"); // given back, but not settled
    await keeper.settle(socket);
    expect(await run()).toContain("with a shelved tree");
  }, 300_000);

  it("a submodule's directory comes back empty: what a job planted in it does not reach the next job", async () => {
    const subs = new Upstream(f.root, "acme", "subs");
    subs.commit("s0", { "a.txt": "a\n" });
    // A gitlink, as a repository with a submodule has one (the next job does not ask for submodules).
    subs.g("update-index", "--add", "--cacheinfo", `160000,${subs.g("rev-parse", "HEAD")},vendor/lib`);
    subs.commit("with a submodule", {});
    subs.push("main");
    const run = async (after?: string) => {
      const j = job({ with: { repository: "acme/subs" } });
      const m = await runStep("main", j);
      expectOk(m);
      expect(m.outputs).toMatchObject({ commit: subs.sha("main"), mode: "keeper" });
      const seen = readdirSync(join(j.workspace, "vendor", "lib")).sort();
      if (after) expect((await asSlot(after, { HOME: "/nonexistent" }, j.workspace)).code).toBe(0);
      expectOk(await runStep("post", j, m.state));
      await keeper.settle(socket);
      return { raw: m.raw, seen };
    };
    const first = await run("mkdir -p vendor/lib/deep && echo evil > vendor/lib/evil.sh && echo evil > vendor/lib/deep/x && chmod 0 vendor/lib/deep");
    expect(first.seen).toEqual([]);
    const next = await run();
    expect(next.raw).toContain("with a shelved tree");
    expect(next.seen).toEqual([]);
  }, 300_000);
});
