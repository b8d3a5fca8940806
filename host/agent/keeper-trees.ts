import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, copyFileSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type Dirent } from "node:fs";
import { join } from "node:path";
import type { KeeperTree } from "../../protocol/git-keeper";
import { keeperGitOk } from "./keeper-git";

/**
 * Shelved trees in the keeper's custody. A job's finished files come back to root (the post step
 * moves them into the slot's cache, the keeper renames them into its own 0700 directory), and only
 * root prepares them for a later job, after the job that had them is over (`settle`, called by the
 * agent once the runner's processes are gone). What makes the warm path cheap is the index root
 * keeps for each tree, out of every job's reach: git's stat data (inode, ctime, mtime, size, mode,
 * uid, gid, in nanoseconds) recorded when root last checked the files. No unprivileged process can
 * change a file without changing its ctime, so a file whose stat still matches is the file root
 * hashed, and only files whose stat differs are hashed again. Nothing the job's own `.git` says is
 * read. See docs/security.md, "Shelved trees".
 */

/** Attributes that change how a file hashes (eol, filters, encodings) are off when root checks files: raw bytes only. */
const RAW_ATTRIBUTES = "* -text -eol -ident -filter -working-tree-encoding -crlf\n";
const MAX_KEEP = 8;

interface Rec {
  id: string;
  key: string;
  dir: string;
  state: "ready" | "out" | "returned";
  /** ready: the commit the index describes. */
  base?: string;
  /** out, returned: the commit the tree was given out at (or, for a tree root never gave out, the job's claim). */
  handed?: string;
  restore: string[];
}

export interface SlotTrees {
  /** Root's 0700 directory of trees in custody. */
  root: string;
  /** The slot's cache (its own 0700 directory in root's): trees are handed over and given back there. */
  cache: string;
  uid: number;
  gid: number;
}

function realDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every `.git` entry below the top removed (git skips them when it walks, and a job's git in a
 * subdirectory would read a planted one), and every directory made the slot's and 0755 again (a
 * directory a job made unwritable would break the next job's checkout). Links are never followed.
 */
function scrubDirs(top: string, uid: number, gid: number): void {
  const walk = (dir: string) => {
    const st = lstatSync(dir);
    if (st.uid !== uid || st.gid !== gid) lchownSync(dir, uid, gid);
    if ((st.mode & 0o7777) !== 0o755) chmodSync(dir, 0o755);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.name.toLowerCase() === ".git") rmSync(p, { recursive: true, force: true });
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(top);
}

export class KeeperTrees {
  private recs: Rec[] = [];

  constructor(
    readonly s: SlotTrees,
    private readonly log?: (msg: string, fields: Record<string, unknown>) => void,
  ) {
    // Trees from before an agent restart: root cannot vouch for what happened to them since.
    rmSync(s.root, { recursive: true, force: true });
    mkdirSync(s.root, { recursive: true, mode: 0o700 });
    const st = lstatSync(s.root);
    if (!st.isDirectory() || st.uid !== 0) throw new Error(`${s.root} is not root's directory`);
    chmodSync(s.root, 0o700);
  }

  private cacheOk(): boolean {
    try {
      const st = lstatSync(this.s.cache);
      return st.isDirectory() && st.uid === this.s.uid;
    } catch {
      return false;
    }
  }

  private drop(r: Rec): void {
    this.recs = this.recs.filter((x) => x !== r);
    rmSync(r.dir, { recursive: true, force: true });
  }

  /**
   * The newest ready tree of `key`, moved into the slot's cache with its index as `.git/index` (the
   * slot's, mtime kept so git's racy-entry rule still holds), for the job checking out `sha`.
   */
  handOut(key: string, sha: string): KeeperTree | undefined {
    if (!this.cacheOk()) return undefined;
    const r = [...this.recs].reverse().find((x) => x.key === key && x.state === "ready");
    if (!r || !r.base) return undefined;
    const work = join(r.dir, "work");
    const dotGit = join(work, ".git");
    try {
      mkdirSync(dotGit, { mode: 0o700 });
      const index = join(r.dir, "index");
      const st = statSync(index);
      copyFileSync(index, join(dotGit, "index"));
      utimesSync(join(dotGit, "index"), st.atime, st.mtime);
      lchownSync(join(dotGit, "index"), this.s.uid, this.s.gid);
      lchownSync(dotGit, this.s.uid, this.s.gid);
      const path = join(this.s.cache, `.keeper-${r.id}-${randomUUID()}`);
      renameSync(work, path);
      r.state = "out";
      r.handed = sha;
      return { path, id: r.id, base: r.base, restore: r.restore };
    } catch {
      this.drop(r);
      return undefined;
    }
  }

  /** Post step: `name` in the slot's cache comes back into custody. False when it is not kept. */
  takeBack(key: string, name: string, id: string, claimed: string, keep: number): boolean {
    if (!this.cacheOk()) return false;
    const src = join(this.s.cache, name);
    if (!realDir(src)) return false;
    const out = this.recs.find((x) => x.id === id && x.key === key && x.state === "out");
    const kept = this.recs.filter((x) => x.key === key && x.state !== "out").length;
    if (kept >= Math.min(keep, MAX_KEEP)) {
      if (out) this.drop(out);
      return false;
    }
    const r: Rec = out ?? { id: randomUUID(), key, dir: "", state: "returned", restore: [], handed: claimed };
    if (!out) {
      r.dir = join(this.s.root, r.id);
      mkdirSync(r.dir, { mode: 0o700 });
      this.recs.push(r);
    }
    try {
      renameSync(src, join(r.dir, "work"));
    } catch {
      this.drop(r);
      return false;
    }
    // A link swapped in after the check above was moved as a link: never followed, dropped.
    if (!realDir(join(r.dir, "work"))) {
      this.drop(r);
      return false;
    }
    r.state = "returned";
    return true;
  }

  /**
   * The slot's job is over and its processes are gone (the agent calls this before the next
   * runner): every tree given back during it is checked, and trees given out but never given back
   * are forgotten.
   */
  async settle(has: (key: string, sha: string) => Promise<string | undefined>): Promise<void> {
    for (const r of [...this.recs]) {
      if (r.state === "out") this.drop(r);
      else if (r.state === "returned") {
        try {
          const objects = r.handed ? await has(r.key, r.handed) : undefined;
          if (!objects || !(await this.verify(r, objects))) this.drop(r);
        } catch (e) {
          this.log?.("git keeper dropped a shelved tree it could not check", { error: e instanceof Error ? e.message : String(e) });
          this.drop(r);
        }
      }
    }
  }

  /**
   * Root's check of a returned tree against the commit it was given out at: the job's `.git` and
   * every nested one removed, directories made the slot's again, everything untracked or ignored
   * removed (`clean -ffdx`), then the index refreshed (`status`: files whose stat matches root's
   * last record are not read; the rest are hashed as raw bytes). Files that differ are removed and
   * listed, for the next job to write from its index.
   */
  private async verify(r: Rec, objects: string): Promise<boolean> {
    const work = join(r.dir, "work");
    const gitDir = join(r.dir, "git");
    if (!realDir(work)) return false;
    rmSync(join(work, ".git"), { recursive: true, force: true });
    scrubDirs(work, this.s.uid, this.s.gid);
    if (!realDir(gitDir)) {
      await keeperGitOk(["init", "--bare", "--quiet", "--template=", gitDir]);
      await keeperGitOk(["--git-dir", gitDir, "config", "core.bare", "false"]);
      mkdirSync(join(gitDir, "info"), { recursive: true });
      writeFileSync(join(gitDir, "info", "attributes"), RAW_ATTRIBUTES);
    }
    writeFileSync(join(gitDir, "objects", "info", "alternates"), `${objects}\n`);
    const index = join(r.dir, "index");
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: work, GIT_INDEX_FILE: index };
    const fresh = r.base === undefined || !realFile(index);
    // Entries the commit did not change keep root's stat data; the rest are hashed below.
    await keeperGitOk(["read-tree", ...(fresh ? [] : ["--reset"]), "--end-of-options", r.handed!], { env, cwd: work });
    await keeperGitOk(["clean", "-ffdxq"], { env, cwd: work });
    emptyGitlinks(work, await keeperGitOk(["ls-files", "--stage", "-z"], { env, cwd: work }), this.s.uid, this.s.gid);
    const out = await keeperGitOk(["status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=no"], { env, cwd: work });
    const restore = new Set<string>();
    // A file with a second link can be written through a path outside custody (a job's cache, /tmp)
    // while the tree waits here, and the next job reads unchanged entries without a stat: such
    // files are rewritten, as new single-link inodes the next job makes.
    for (const f of (await run("find", [".", "-xdev", "!", "-type", "d", "-links", "+1", "-print0"], work)).split("\0").filter(Boolean)) {
      const path = f.replace(/^\.\//, "");
      rmSync(join(work, path), { force: true });
      restore.add(path);
    }
    for (const rec of out.split("\0")) {
      if (rec.length < 4) continue;
      const y = rec[1];
      const path = rec.slice(3);
      if (y === "M" || y === "T") rmSync(join(work, path), { recursive: true, force: true });
      if (y === "M" || y === "T" || y === "D") restore.add(path);
    }
    r.state = "ready";
    r.base = r.handed;
    r.restore = [...restore];
    return true;
  }
}

/**
 * A submodule's directory (a gitlink entry) is a hole in the stat check: git neither cleans nor
 * hashes what is inside one it has not checked out, so whatever a job left there would reach the
 * next job. Each is emptied (the next job's submodule update fills it from the network). A path
 * with an ancestor that is not a real directory is left alone: removing through a link would
 * reach outside the tree, and status reports that ancestor for the next job to restore.
 */
function emptyGitlinks(work: string, staged: string, uid: number, gid: number): void {
  for (const rec of staged.split("\0")) {
    if (!rec.startsWith("160000 ")) continue;
    const path = rec.slice(rec.indexOf("\t") + 1);
    const parts = path.split("/");
    let ok = true;
    for (let i = 1; i < parts.length && ok; i++) ok = realDir(join(work, ...parts.slice(0, i)));
    if (!ok) continue;
    const dir = join(work, path);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o755 });
    lchownSync(dir, uid, gid);
  }
}

/** A tool (find) as root, in custody, with an empty environment but PATH. */
function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, env: { PATH: "/usr/bin:/bin", LC_ALL: "C" }, maxBuffer: 64 * 1024 * 1024 }, (e, out) => (e ? reject(e) : resolve(out))),
  );
}

function realFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}
