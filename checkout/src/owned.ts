import { randomUUID } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, writeFileSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { emptyDir, exists, isEmptyDir, privateDir, removeTree } from "./fsutil";
import { git, gitOk } from "./git";
import type { Options } from "./inputs";
import { askKeeper } from "./keeper";
import { info, saveState, warning } from "./runner";

/**
 * The keeper's path (EC2 hosts): the job's checkout is a repository of its own, made fresh by this
 * step (`git init --template=`: no hooks, no config but what we write), that borrows the mirror's
 * objects through objects/info/alternates. Nothing of it comes from the mirror but objects, which
 * are named by their content and which the slot cannot write; a job's later `git` in its checkout
 * reads only the config this step wrote.
 *
 * Shelved trees: a finished job's files (never its .git) kept in the slot's cache, so the next job
 * writes only the files that differ. A prior job could have changed any of them, so nothing about
 * them is trusted: the index is built from the commit's tree with no stat data, every file is
 * hashed against it (`update-index --refresh`), what differs is rewritten (`reset --hard`) and
 * the rest removed (`clean -ffdx`).
 */
export function shelfDir(o: Options & { cacheDir: string }): string {
  const host = (o.serverUrl.host || "local").toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  return join(o.cacheDir, "shelf", host, o.owner.toLowerCase(), o.repo.toLowerCase());
}

function isRealDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every entry named .git below the top of a shelved tree, removed. `git clean` never looks at
 * them (git skips .git wherever it walks), and a job that runs `git` in a subdirectory would find
 * a planted one first and read its config (fsmonitor, hooks). Links are removed, never followed.
 */
function purgeNestedGit(top: string): void {
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      removeTree(dir); // unreadable: nothing the job needs, reset --hard restores tracked content
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.name.toLowerCase() === ".git") removeTree(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  for (const e of readdirSync(top, { withFileTypes: true })) if (e.isDirectory() && e.name.toLowerCase() !== ".git") walk(join(top, e.name));
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

/** The newest shelved tree moved to the job's path; anything on the shelf that is not a plain directory is dropped. */
function claimShelved(shelf: string, path: string): boolean {
  if (!isRealDir(shelf)) return false;
  for (const name of readdirSync(shelf).sort().reverse()) {
    const from = join(shelf, name);
    if (!isRealDir(from)) {
      removeTree(from);
      continue;
    }
    vacate(path);
    try {
      renameSync(from, path);
      return true;
    } catch (e) {
      warning(`dropping the shelved tree ${from}: ${e instanceof Error ? e.message : String(e)}`);
      removeTree(from);
    }
  }
  return false;
}

export async function ownedCheckout(o: Options, socket: string): Promise<{ sha: string; ref: string }> {
  const shelf = o.cacheDir !== undefined && o.submodules === "false" && !o.lfs && o.keepWorktrees > 0 ? shelfDir({ ...o, cacheDir: o.cacheDir }) : "";
  for (const [k, v] of Object.entries({ mode: "owned", path: o.path, workspace: o.workspace, shelf, keep: String(o.keepWorktrees) })) saveState(k, v);
  const t0 = Date.now();
  const a = await askKeeper(socket, o, o.lockTimeoutSeconds * 1000);
  info(`the host's git keeper has ${o.owner}/${o.repo} at ${a.sha} (${Date.now() - t0} ms)`);
  process.chdir("/"); // the job's path may be our cwd, and a shelved tree takes its place by rename
  const t1 = Date.now();
  let claimed = false;
  if (shelf) {
    privateDir(shelf, "RUNNER_FLEET_CACHE_DIR");
    claimed = claimShelved(shelf, o.path);
  }
  if (!claimed) {
    vacate(o.path);
    mkdirSync(o.path, { recursive: true });
  }
  const p = o.path;
  removeTree(join(p, ".git"));
  if (claimed) purgeNestedGit(p);
  await gitOk(["init", "--quiet", "--template=", p]);
  writeFileSync(join(p, ".git", "objects", "info", "alternates"), `${a.objects}\n`);
  await gitOk(["-C", p, "remote", "add", "origin", o.remoteUrl]);
  const refs = a.refs.map(([name, sha]) => `create ${name} ${sha}\n`).join("");
  if (refs) await gitOk(["-C", p, "update-ref", "--stdin"], { input: refs });
  await gitOk(["-C", p, "update-ref", "--no-deref", "HEAD", a.sha]);
  await gitOk(["-C", p, "read-tree", a.sha]);
  const lfs = { GIT_LFS_SKIP_SMUDGE: "1" };
  if (claimed) await git(["-C", p, "update-index", "-q", "--refresh"]); // exit 1 = some files differ: reset rewrites them
  await gitOk(["-C", p, "reset", "--hard", "--quiet"], { env: lfs });
  if (claimed) await gitOk(["-C", p, "clean", "-ffdxq"]);
  const head = (await gitOk(["-C", p, "rev-parse", "HEAD"])).trim();
  const dirty = await gitOk(["-C", p, "status", "--porcelain", "--ignored", "--untracked-files=all"]);
  if (head !== a.sha || dirty !== "") throw new Error(`the checkout at ${p} is not exactly ${a.sha}: HEAD ${head}${dirty ? `, ${dirty.split("\n").length} paths differ` : ""}`);
  info(`${claimed ? "shelved tree reused and verified" : "files written"} in ${Date.now() - t1} ms`);
  return { sha: a.sha, ref: a.ref };
}

/** Post step: the job's files (never its .git) shelved for the next job, or removed. */
export function shelveOrRemove(path: string, workspace: string, shelf: string, keep: number): string {
  process.chdir("/");
  let shelved = false;
  if (shelf && keep > 0 && isRealDir(path)) {
    privateDir(shelf, "RUNNER_FLEET_CACHE_DIR");
    if (readdirSync(shelf).length < keep) {
      removeTree(join(path, ".git"));
      try {
        renameSync(path, join(shelf, `${Date.now().toString().padStart(15, "0")}-${randomUUID()}`));
        shelved = true;
      } catch (e) {
        info(`not shelving the tree: ${e instanceof Error ? e.message : String(e)}`); // e.g. another filesystem
      }
    }
  }
  if (!shelved && exists(path)) {
    if (path === workspace && isRealDir(path)) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) mkdirSync(path, { recursive: true });
  return shelved ? `shelved the tree from ${path} for the next job on this slot` : `removed the checkout at ${path}`;
}
