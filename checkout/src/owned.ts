import { randomUUID } from "node:crypto";
import { appendFileSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptyDir, exists, isEmptyDir, removeTree } from "./fsutil";
import { git, gitOk } from "./git";
import type { Options } from "./inputs";
import { askKeeper, giveBack, type KeeperResult } from "./keeper";
import { info, saveState, warning } from "./runner";

/**
 * The keeper's path (EC2 hosts): the job's checkout is a repository of its own, made fresh by this
 * step (`git init --template=`: no hooks, no config but what we write), that borrows the mirror's
 * objects through objects/info/alternates. Nothing of it comes from the mirror but objects, which
 * are named by their content and which the slot cannot write; a job's later `git` in its checkout
 * reads only the config this step wrote.
 *
 * Shelved trees: a finished job's files go back to the keeper (root) in the post step. Root checks
 * them once that job is over and keeps, out of every job's reach, the index that records what it
 * found (host/agent/keeper-trees.ts). A tree it hands out comes with that index as `.git/index`
 * and the list of files it removed because they differed; this step writes the files that differ
 * between the index's commit and the job's, and the listed ones (`git restore`). Nothing is
 * hashed or walked here.
 */

function isRealDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The job's path made empty and absent, so a rename can put a tree there. */
function vacate(path: string): void {
  if (!exists(path)) return;
  if (isRealDir(path) && !isEmptyDir(path)) {
    warning(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  if (isRealDir(path)) rmdirSync(path);
  else removeTree(path);
}

/**
 * `git init` in a fresh directory of the slot's cache, started while the keeper fetches: nothing
 * in it depends on the answer, and the cache is on the tree's filesystem, so its `.git` moves in.
 */
function initAhead(cacheDir: string): { dir: string; ready: Promise<unknown> } {
  const dir = join(cacheDir, `.init-${randomUUID()}`);
  return { dir, ready: gitOk(["init", "--quiet", "--template=", dir]) };
}

/** The `.git` made ahead becomes the job's, with the shelved tree's index if it came with one. */
function adopt(ahead: string, p: string): void {
  const dotGit = join(p, ".git");
  if (exists(dotGit)) {
    if (exists(join(dotGit, "index"))) renameSync(join(dotGit, "index"), join(ahead, ".git", "index"));
    removeTree(dotGit);
  }
  renameSync(join(ahead, ".git"), dotGit);
  rmdirSync(ahead);
}

/** The repository around the files: the mirror's objects borrowed, and origin. */
async function initRepository(p: string, o: Options, a: KeeperResult, ahead: string | undefined): Promise<void> {
  if (ahead) adopt(ahead, p);
  else await gitOk(["init", "--quiet", "--template=", p]);
  writeFileSync(join(p, ".git", "objects", "info", "alternates"), `${a.objects}\n`);
  // What `git remote add origin <url>` writes, without its process; the URL is built from checked inputs.
  const url = o.remoteUrl.replace(/[\\"]/g, "\\$&");
  if (/[\r\n]/.test(url)) throw new Error(`remote URL ${o.remoteUrl} has a line break`);
  appendFileSync(join(p, ".git", "config"), `[remote "origin"]\n\turl = "${url}"\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
}

/** Upstream's refs as the keeper answered them, and HEAD at the commit. */
async function writeRefs(p: string, a: KeeperResult): Promise<void> {
  const refs = a.refs.map(([name, sha]) => `create ${name} ${sha}\n`).join("");
  await gitOk(["-C", p, "update-ref", "--stdin"], { input: `${refs}option no-deref\nupdate HEAD ${a.sha}\n` });
}

/**
 * From the keeper's tree: the files that differ between the index's commit and the job's, and
 * the ones root removed, written from the job's commit (index and files, deletions included). The
 * index comes with root's stat data, so nothing else is read or walked.
 */
async function fromShelf(p: string, a: KeeperResult & { tree: NonNullable<KeeperResult["tree"]> }): Promise<boolean> {
  const changed = await git(["-C", p, "diff-tree", "-r", "-z", "--no-renames", "--name-only", a.tree.base, a.sha]);
  if (changed.code !== 0) {
    warning(`the shelved tree's commit ${a.tree.base} cannot be compared with ${a.sha} (${changed.stderr.trim()}): writing every file instead`);
    return false;
  }
  const paths = new Set([...changed.stdout.split("\0").filter(Boolean), ...a.tree.restore]);
  if (paths.size === 0) return true;
  const env = { GIT_LFS_SKIP_SMUDGE: "1", GIT_LITERAL_PATHSPECS: "1" };
  const r = await git(["-C", p, "restore", `--source=${a.sha}`, "--staged", "--worktree", "--quiet", "--pathspec-from-file=-", "--pathspec-file-nul"], { env, input: [...paths].map((f) => `${f}\0`).join("") });
  if (r.code !== 0) {
    warning(`the shelved tree could not be brought to ${a.sha} (${r.stderr.trim()}): writing every file instead`);
    return false;
  }
  return true;
}

export async function ownedCheckout(o: Options, socket: string): Promise<{ sha: string; ref: string }> {
  const keep = o.cacheDir !== undefined && o.submodules === "false" && !o.lfs && o.keepWorktrees > 0;
  const t0 = Date.now();
  const ahead = keep ? initAhead(o.cacheDir!) : undefined;
  let a: KeeperResult;
  try {
    a = await askKeeper(socket, o, keep, o.lockTimeoutSeconds * 1000);
    await ahead?.ready;
  } catch (e) {
    await ahead?.ready.catch(() => undefined);
    if (ahead) removeTree(ahead.dir);
    throw e;
  }
  info(`the host's git keeper has ${o.owner}/${o.repo} at ${a.sha}${a.tree ? `, with a shelved tree (${a.tree.restore.length} files to restore)` : ""} (${Date.now() - t0} ms)`);
  const state = { mode: "owned", path: o.path, workspace: o.workspace, keep: keep ? String(o.keepWorktrees) : "0", cacheDir: o.cacheDir ?? "", socket, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo, sha: a.sha, tree: a.tree?.id ?? "" };
  for (const [k, v] of Object.entries(state)) saveState(k, v);
  process.chdir("/"); // the job's path may be our cwd, and a shelved tree takes its place by rename
  const t1 = Date.now();
  const p = o.path;
  vacate(p);
  let claimed = false;
  if (a.tree) {
    try {
      renameSync(a.tree.path, p);
      claimed = true;
    } catch (e) {
      warning(`not using the shelved tree: ${e instanceof Error ? e.message : String(e)}`);
      removeTree(a.tree.path);
    }
  }
  if (!claimed) mkdirSync(p, { recursive: true });
  await initRepository(p, o, a, ahead?.dir);
  // Independent: the refs name the commit, and the files are written from it by id, not from HEAD.
  const [, warm] = await Promise.all([writeRefs(p, a), claimed && fromShelf(p, { ...a, tree: a.tree! })]);
  if (!warm) {
    if (claimed) {
      removeTree(join(p, ".git", "index"));
      for (const f of readdirSync(p)) if (f !== ".git") removeTree(join(p, f));
    }
    await gitOk(["-C", p, "read-tree", "--reset", "-u", a.sha], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
  }
  info(`${warm ? "shelved tree taken from the keeper" : "files written"} in ${Date.now() - t1} ms`);
  return { sha: a.sha, ref: a.ref };
}

/** Post step: the job's files go back to the keeper, or are removed. */
export async function giveBackOrRemove(s: (k: string) => string): Promise<string> {
  process.chdir("/");
  const path = s("path");
  const workspace = s("workspace");
  const keep = Number(s("keep")) || 0;
  const cacheDir = s("cacheDir");
  let kept = false;
  if (keep > 0 && cacheDir && isRealDir(path)) {
    const name = `.return-${randomUUID()}`;
    try {
      renameSync(path, join(cacheDir, name));
      kept = await giveBack(s("socket"), { serverUrl: s("serverUrl"), owner: s("owner"), repo: s("repo") }, name, s("tree"), s("sha"), keep);
      if (!kept) removeTree(join(cacheDir, name));
    } catch (e) {
      info(`not shelving the tree: ${e instanceof Error ? e.message : String(e)}`); // e.g. another filesystem
      removeTree(join(cacheDir, name));
    }
  }
  if (!kept && exists(path)) {
    if (path === workspace && isRealDir(path)) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) mkdirSync(path, { recursive: true });
  return kept ? `gave the tree from ${path} back to the host's git keeper for the next job on this slot` : `removed the checkout at ${path}`;
}
