import { mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { emptyDir, exists, isEmptyDir, removeTree } from "./fsutil";
import { git, gitOk } from "./git";
import { liveWorktrees, realpath } from "./mirror";
import { warning } from "./runner";

/**
 * Under the mirror lock: registers the job's worktree (`git worktree add --detach --no-checkout`).
 * Never concurrently with a fetch: git first writes a new worktree's HEAD as the null object id
 * (builtin/worktree.c) and a fetch's connectivity check, which walks every worktree's HEAD, then
 * fails with "bad object worktrees/<name>/HEAD". Returns the name of the admin directory under
 * <mirror>/worktrees/ so the post step needs nothing from the workspace.
 */
export async function registerWorktree(mirrorDir: string, path: string, sha: string): Promise<string> {
  if ((await liveWorktrees(mirrorDir)).has(realpath(path))) {
    // A job on this runner died before its post step and left its worktree at the same path.
    await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  }
  if (exists(path) && !isEmptyDir(path)) {
    warning(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  mkdirSync(dirname(path), { recursive: true });
  await gitOk(["-C", mirrorDir, "worktree", "add", "--detach", "--no-checkout", path, sha]);
  const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(join(path, ".git"), "utf8"))?.[1]?.trim();
  if (!gitdir || realpath(dirname(gitdir)) !== realpath(join(mirrorDir, "worktrees"))) throw new Error(`${path}/.git does not point into ${mirrorDir}/worktrees`);
  return basename(gitdir);
}

/** Outside the lock: writes the registered worktree's files (jobs on one cache do this in parallel). */
export async function populateWorktree(path: string): Promise<void> {
  // Pointers stay pointers here; LFS content is pulled afterwards with the auth header.
  await gitOk(["-C", path, "reset", "--hard", "--quiet"], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
}

/**
 * Removes the job's worktree whatever the job did to it: deleted, emptied, its .git replaced, made
 * read-only. Once the directory is gone `worktree prune` drops the admin entry, which is why we
 * never delete admin directories by name (a parallel job may already reuse the name). The
 * workspace directory itself is kept: later post steps run in it.
 */
export async function removeWorktree(mirrorDir: string, path: string, workspace: string): Promise<void> {
  if (exists(mirrorDir)) await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists(path)) {
    if (path === workspace) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) mkdirSync(path, { recursive: true });
  if (exists(mirrorDir)) await gitOk(["-C", mirrorDir, "worktree", "prune"]);
}
