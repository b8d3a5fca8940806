import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { runAs } from "./asuser";
import { ROOT_FILES } from "./install";
import type { SlotUser } from "./users";

/**
 * A slot's files. <root>/slots/<n> is root's (the slot cannot rename or replace anything in it);
 * inside, `state` is the slot's (0700): its runner root, HOME, TMPDIR. Root creates `state` fresh
 * and hands it over, then never writes or walks inside it: copies and wipes run as the slot's user.
 */
export class SlotFs {
  readonly base: string;
  readonly state: string;
  readonly runnerRoot: string;
  readonly home: string;
  readonly tmp: string;
  readonly trash: string;
  /** The slot's cache (RUNNER_FLEET_CACHE_DIR: git mirrors of the checkout action), kept across jobs. */
  readonly cache: string;
  /** The git keeper's socket for this slot (the slot's, 0600, in root's directory) and its mirror (root's, 0750 root:<slot gid>). */
  readonly gitSocket: string;
  readonly gitMirror: string;
  /** Shelved trees in the git keeper's custody (root's, 0700): checked by root between jobs. */
  readonly gitTrees: string;

  constructor(root: string, index: number) {
    this.base = join(root, "slots", String(index));
    this.state = join(this.base, "state");
    this.trash = join(this.base, "trash");
    this.cache = join(this.base, "cache");
    this.gitSocket = join(this.base, "git.sock");
    this.gitMirror = join(this.base, "git-mirror");
    this.gitTrees = join(this.base, "git-trees");
    this.runnerRoot = join(this.state, "runner");
    this.home = join(this.state, "home");
    this.tmp = join(this.state, "tmp");
  }

  /** The job-started hook's marker: a slot with one is running a job. */
  busy(): boolean {
    try {
      return lstatSync(join(this.state, "job")).isFile();
    } catch {
      return false;
    }
  }

  private rootDir(path: string, mode: number): void {
    mkdirSync(path, { recursive: true, mode });
    const st = lstatSync(path);
    if (!st.isDirectory()) throw new Error(`${path} is not a directory`);
    lchownSync(path, 0, 0);
    chmodSync(path, mode);
  }

  /** A slot-owned directory root made itself just now (so it holds nothing a slot planted). */
  private fresh(path: string, user: SlotUser): void {
    mkdirSync(path, { mode: 0o700 });
    lchownSync(path, user.uid, user.gid);
    chmodSync(path, 0o700);
  }

  /**
   * The slot's cache outlives its jobs (that is its point) but stays the slot's alone: 0700, its
   * uid, made by root inside root's directory, so no other slot can read it or change what this
   * slot's jobs check out from it, and the slot cannot swap it for a link.
   */
  ensureCache(user: SlotUser): void {
    this.rootDir(join(this.base, ".."), 0o755);
    this.rootDir(this.base, 0o755);
    let st;
    try {
      st = lstatSync(this.cache);
    } catch {
      this.fresh(this.cache, user);
      return;
    }
    if (!st.isDirectory() || st.uid !== user.uid) throw new Error(`${this.cache} is not ${user.name}'s directory`);
    if ((st.mode & 0o777) !== 0o700) chmodSync(this.cache, 0o700);
  }

  hasState(): boolean {
    try {
      return lstatSync(this.state).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * A fresh state for the next job: the old one moved aside (rename inside root's directory never
   * follows a link) and wiped as the slot's user. A wipe that fails leaves its tree in trash for
   * the next try; it never stops the slot or the agent.
   */
  async reset(user: SlotUser, release: string): Promise<void> {
    this.rootDir(join(this.base, ".."), 0o755);
    this.rootDir(this.base, 0o755);
    if (existsSync(this.trash) || this.hasState()) {
      if (!existsSync(this.trash)) this.fresh(this.trash, user);
      const st = lstatSync(this.trash);
      if (!st.isDirectory() || st.uid !== user.uid) throw new Error(`${this.trash} is not ${user.name}'s directory`);
      if (this.hasState() || existsSync(this.state)) renameSync(this.state, join(this.trash, `t${Date.now().toString(36)}${process.hrtime.bigint().toString(36)}`));
    }
    this.fresh(this.state, user);
    const script = `set -e
umask 077
mkdir -p runner/bin runner/externals home tmp
for f in ${ROOT_FILES.join(" ")}; do if [ -f "$1/$f" ]; then cp "$1/$f" runner/; fi; done
chmod 0700 runner runner/*.sh`;
    const r = await runAs(user, ["/bin/sh", "-c", script, "sh", release], { cwd: this.state, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`preparing ${this.state} as ${user.name}: exit ${r.code}: ${r.stderr}`);
  }

  /**
   * A persistent slot between jobs: everything of the last job but the runner's work directory
   * goes to the trash (HOME, TMPDIR, the docker daemon's data and runtime dir: a job could tag an
   * image or leave a volume the next job would use), and HOME and TMPDIR are made anew. Run as the
   * slot's user, inside its own state; every process of the slot is gone by then.
   */
  async forget(user: SlotUser): Promise<void> {
    if (!existsSync(this.trash)) this.fresh(this.trash, user);
    const st = lstatSync(this.trash);
    if (!st.isDirectory() || st.uid !== user.uid) throw new Error(`${this.trash} is not ${user.name}'s directory`);
    const script = `set -e
umask 077
to="$1/f$(date +%s%N)"
mkdir "$to"
for d in home tmp docker run; do if [ -e "$d" ] || [ -L "$d" ]; then mv -- "$d" "$to/"; fi; done
mkdir home tmp`;
    const r = await runAs(user, ["/bin/sh", "-c", script, "sh", this.trash], { cwd: this.state, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`clearing ${this.state} as ${user.name}: exit ${r.code}: ${r.stderr}`);
  }

  /** A persistent slot's work trees untouched for maxAgeMinutes go, removed as the slot's user. */
  async sweepWork(user: SlotUser, maxAgeMinutes: number): Promise<boolean> {
    const script = `cd "$1" 2>/dev/null || exit 0
find . -mindepth 1 -maxdepth 1 -type d ! -name _temp -mmin +"$2" -exec chmod -R u+rwx {} + -exec rm -rf --one-file-system {} +`;
    const r = await runAs(user, ["/bin/sh", "-c", script, "sh", join(this.runnerRoot, "_work"), String(Math.max(1, Math.floor(maxAgeMinutes)))], { timeoutMs: 10 * 60_000, userns: true });
    return r.code === 0;
  }

  /**
   * Empties the trash as the slot's user (in its docker user namespace where it has one, for what
   * containers wrote): modes are fixed first (a job may leave 000 directories), links are never followed.
   */
  async wipe(user: SlotUser, timeoutMs = 10 * 60_000): Promise<boolean> {
    if (!existsSync(this.trash)) return true;
    if (readdirSync(this.trash).length === 0) return true;
    const script = `cd "$1" || exit 1
chmod -R u+rwx . 2>/dev/null
find . -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
[ -z "$(ls -A)" ]`;
    const r = await runAs(user, ["/bin/sh", "-c", script, "sh", this.trash], { timeoutMs, userns: true });
    return r.code === 0;
  }
}
