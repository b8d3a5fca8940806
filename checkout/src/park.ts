import { randomUUID } from "node:crypto";
import { readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { exists, isEmptyDir, emptyDir, privateDir, removeTree } from "./fsutil";
import { git, gitOk } from "./git";
import { realpath } from "./mirror";
import { info, warning } from "./runner";

/**
 * Parked worktrees: a finished job's worktree, cleaned, kept beside the mirror so the next job on
 * this cache moves it into its workspace (a rename) and checks out its commit over it, writing only
 * the files that differ. Adding a fresh worktree writes every file of the tree, which on a large
 * repository costs about as much as the clone the mirror saves (see `npm run bench:checkout`).
 * Parked trees live in the same cache as the mirror, so only jobs that could already change the
 * mirror (the same uid: one slot, or one ARC instance) can reach them, and every reuse resets
 * them to exactly the commit's tree.
 */
export function parkDir(mirrorDir: string): string {
  return `${mirrorDir}.parked`;
}

export function isParked(mirrorDir: string, path: string): boolean {
  return realpath(path).startsWith(`${realpath(parkDir(mirrorDir))}/`);
}

/** The job's worktree is a working tree of this mirror, and git can still read it. */
async function isOurs(mirrorDir: string, path: string): Promise<boolean> {
  const r = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-common-dir"]);
  return r.code === 0 && realpath(r.stdout.trim()) === realpath(mirrorDir);
}

/** Back to exactly the commit's tree: no modified, untracked or ignored file, no per-worktree config. */
async function reset(mirrorDir: string, path: string, sha?: string): Promise<boolean> {
  const admin = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-dir"]);
  if (admin.code !== 0) return false;
  // A job may have set worktree-only config (hooks, filters, sshCommand) for itself.
  rmSync(join(admin.stdout.trim(), "config.worktree"), { force: true });
  const steps = [
    ["-C", path, "checkout", "--force", "--detach", "--quiet", ...(sha ? [sha] : [])],
    ["-C", path, "clean", "-ffdxq"],
  ];
  for (const args of steps) {
    const r = await git(args, { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
    if (r.code !== 0) {
      warning(`git ${args.slice(2).join(" ")} in ${path} failed: ${r.stderr.trim()}`);
      return false;
    }
  }
  return isOurs(mirrorDir, path);
}

/** Post step, outside the lock: clean the job's worktree for parking; false when the job broke it. */
export async function readyToPark(mirrorDir: string, path: string): Promise<boolean> {
  return exists(path) && (await isOurs(mirrorDir, path)) && (await reset(mirrorDir, path));
}

/**
 * Post step, under the mirror lock: park the cleaned worktree if fewer than `keep` are parked;
 * otherwise the caller removes it.
 */
export async function parkWorktree(mirrorDir: string, path: string, keep: number): Promise<boolean> {
  const dir = parkDir(mirrorDir);
  privateDir(dir, "RUNNER_FLEET_CACHE_DIR");
  if (readdirSync(dir).length >= keep) return false;
  // Named so that names sort by parking time: the next job takes the newest, likely the closest commit.
  const name = `${Date.now().toString().padStart(15, "0")}-${randomUUID()}`;
  const r = await git(["-C", mirrorDir, "worktree", "move", path, join(dir, name)]);
  if (r.code !== 0) {
    // e.g. the workspace is on another filesystem than the cache: a rename cannot cross it.
    info(`not parking the worktree: ${r.stderr.trim()}`);
    return false;
  }
  return true;
}

/**
 * Main step, under the mirror lock: move the newest parked worktree to the job's path. The job's path
 * must not exist for `git worktree move` (it moves into an existing directory), so an empty
 * workspace directory is removed first; the caller recreates nothing, the tree takes its place.
 */
export async function claimParked(mirrorDir: string, path: string): Promise<boolean> {
  const dir = parkDir(mirrorDir);
  if (!exists(dir)) return false;
  for (const name of readdirSync(dir).sort().reverse()) {
    const from = join(dir, name);
    if (exists(path)) {
      if (!isEmptyDir(path)) {
        warning(`${path} is not empty: removing what an earlier job left there`);
        emptyDir(path);
      }
      rmdirSync(path);
    }
    const r = await git(["-C", mirrorDir, "worktree", "move", from, path]);
    if (r.code === 0) return true;
    warning(`dropping the parked worktree ${from}: ${r.stderr.trim()}`);
    await git(["-C", mirrorDir, "worktree", "remove", "--force", from]);
    if (exists(from)) removeTree(from);
  }
  return false;
}

/** Outside the lock: the claimed tree at the job's commit, or false (the caller adds a fresh one). */
export async function reuseParked(mirrorDir: string, path: string, sha: string): Promise<boolean> {
  if (await reset(mirrorDir, path, sha)) {
    const at = (await gitOk(["-C", path, "rev-parse", "HEAD"])).trim();
    if (at === sha) return true;
  }
  warning(`the parked worktree at ${path} could not be reset to ${sha}: adding a fresh one`);
  await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists(path)) emptyDir(path);
  await git(["-C", mirrorDir, "worktree", "prune"]);
  return false;
}
