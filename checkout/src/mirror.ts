import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { privateDir, exists, removeTree } from "./fsutil";
import { git, gitOk, type Auth } from "./git";
import type { Options, Target } from "./inputs";
import { Refusal } from "./runner";

/**
 * One bare mirror per repository: $RUNNER_FLEET_CACHE_DIR/git-mirrors/<host>/<owner>/<repo>.git.
 * Branches are kept as refs/remotes/origin/* and tags as refs/tags/*, so a worktree sees the same
 * names a clone by actions/checkout would (origin/main, v1.2.3). Everything in this file runs
 * under the mirror's lock except where it says otherwise.
 */
export interface Mirror {
  /** git-mirrors/ in the cache. */
  root: string;
  dir: string;
  lock: string;
  remoteUrl: string;
  auth: Auth;
  label: string;
}

export const JOB_REFS = "refs/runner-fleet/jobs/";
const LAST_USE = "runner-fleet-last-use";
const JOB_RECORDS = "runner-fleet-jobs";
/** A job ref whose worktree never appeared this long after it was pinned belongs to a dead job. */
const PIN_GRACE_MS = 60 * 60 * 1000;

export function mirrorRoot(cacheDir: string): string {
  return join(cacheDir, "git-mirrors");
}

export function mirrorFor(o: Options & { cacheDir: string }): Mirror {
  const root = mirrorRoot(o.cacheDir);
  const host = (o.serverUrl.host || "local").toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  // GitHub names are case-insensitive: Owner/Repo and owner/repo share one mirror.
  const dir = join(root, host, o.owner.toLowerCase(), `${o.repo.toLowerCase()}.git`);
  return { root, dir, lock: `${dir}.lock`, remoteUrl: o.remoteUrl, auth: { serverUrl: o.serverUrl.href, token: o.token }, label: `${o.owner}/${o.repo}` };
}

/** Makes the directories the lock file lives in, each private to this uid. */
export function prepareCacheDirs(m: Mirror): void {
  privateDir(m.root, "RUNNER_FLEET_CACHE_DIR");
  privateDir(dirname(dirname(m.dir)), "RUNNER_FLEET_CACHE_DIR");
  privateDir(dirname(m.dir), "RUNNER_FLEET_CACHE_DIR");
}

/** Sets `key` in one config file to exactly `value` (or removes it), writing only when it differs. */
async function setConfig(file: string, key: string, value: string | undefined): Promise<void> {
  const r = await git(["config", "--file", file, "--get-all", key]);
  const current = r.code === 0 ? r.stdout.split("\n").filter(Boolean) : [];
  if (value === undefined) {
    if (current.length > 0) await gitOk(["config", "--file", file, "--unset-all", key]);
  } else if (current.length !== 1 || current[0] !== value) {
    await gitOk(["config", "--file", file, "--replace-all", key, value]);
  }
}

async function ensureMirror(m: Mirror): Promise<void> {
  if (!exists(join(m.dir, "HEAD"))) {
    if (exists(m.dir)) removeTree(m.dir); // a first clone that died before git init finished
    await gitOk(["init", "--bare", "--quiet", m.dir]);
  }
  // Checked on every update: worktrees share this config, and a job's `git config` must not
  // change where the mirror fetches from or make every worktree look bare.
  const common = join(m.dir, "config");
  await setConfig(common, "remote.origin.url", m.remoteUrl);
  await setConfig(common, "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
  // Per-worktree config lets `git config --worktree` (and `git lfs install --worktree`) keep a
  // job's settings out of the shared file. With it on, git reads core.bare from the common config
  // for every worktree, so core.bare lives in the bare repository's own config.worktree
  // (git-worktree(1), CONFIGURATION FILE).
  await setConfig(common, "core.repositoryformatversion", "1");
  await setConfig(common, "extensions.worktreeConfig", "true");
  await setConfig(join(m.dir, "config.worktree"), "core.bare", "true");
  await setConfig(common, "core.bare", undefined);
}

/** Fetches every branch and tag incrementally; force-pushed refs are updated, deleted ones pruned. */
export async function updateMirror(m: Mirror): Promise<void> {
  await ensureMirror(m);
  await gitOk(["-C", m.dir, "worktree", "prune"]);
  await gitOk(["-C", m.dir, "fetch", "--prune", "--force", "--no-tags", "--no-recurse-submodules", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], { auth: m.auth, echo: true });
  touchLastUse(m.dir);
}

/** Its mtime is the mirror's last use, which the age-based cleanup reads. */
export function lastUseFile(dir: string): string {
  return join(dir, LAST_USE);
}

export function touchLastUse(dir: string): void {
  writeFileSync(lastUseFile(dir), `${new Date().toISOString()}\n`);
}

async function commit(m: Mirror, rev: string): Promise<string | undefined> {
  const r = await git(["-C", m.dir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function fetchInto(m: Mirror, src: string, key: string): Promise<boolean> {
  const r = await git(["-C", m.dir, "fetch", "--no-tags", "--no-recurse-submodules", "origin", `+${src}:${JOB_REFS}${key}`], { auth: m.auth, echo: true });
  return r.code === 0;
}

export async function defaultBranch(m: Mirror): Promise<string> {
  const out = await gitOk(["-C", m.dir, "ls-remote", "--symref", "origin", "HEAD"], { auth: m.auth });
  const hit = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
  if (!hit) throw new Refusal(`input ref: ${m.label} has no default branch (an empty repository?)`);
  return hit[1]!;
}

/** The commit the job asked for, and the full ref name it came from ("" for a bare SHA). */
export async function resolveTarget(m: Mirror, target: Target, key: string): Promise<{ sha: string; ref: string }> {
  if (target.kind === "sha") {
    if (await commit(m, target.sha)) return { sha: target.sha, ref: target.ref };
    // Not on any branch or tag (a pull request's merge commit, a commit only a PR ref keeps).
    if ((await fetchInto(m, target.sha, key)) && (await commit(m, target.sha))) return { sha: target.sha, ref: target.ref };
    if (target.ref.startsWith("refs/") && (await fetchInto(m, target.ref, key)) && (await commit(m, target.sha))) return { sha: target.sha, ref: target.ref };
    throw new Refusal(`input ref: commit ${target.sha} is not in ${m.label} (never pushed, or force-pushed away)`);
  }
  const ref = target.kind === "ref" ? target.ref : `refs/heads/${await defaultBranch(m)}`;
  const candidates: [string, string][] = ref.startsWith("refs/heads/")
    ? [[`refs/remotes/origin/${ref.slice(11)}`, ref]]
    : ref.startsWith("refs/tags/")
      ? [[ref, ref]]
      : ref.startsWith("refs/")
        ? []
        : [
            [`refs/remotes/origin/${ref}`, `refs/heads/${ref}`],
            [`refs/tags/${ref}`, `refs/tags/${ref}`],
          ];
  for (const [local, full] of candidates) {
    const sha = await commit(m, local);
    if (sha) return { sha, ref: full };
  }
  if (ref.startsWith("refs/") && !ref.startsWith("refs/heads/") && !ref.startsWith("refs/tags/")) {
    if (await fetchInto(m, ref, key)) {
      const sha = await commit(m, `${JOB_REFS}${key}`);
      if (sha) return { sha, ref };
    }
    throw new Refusal(`input ref: '${ref}' does not exist in ${m.label}`);
  }
  throw new Refusal(`input ref: '${target.kind === "ref" ? target.ref : ref}' is not a branch or tag of ${m.label} (deleted?)`);
}

/**
 * A ref per job keeps its commit reachable between the update (under the lock) and `worktree add`
 * (outside it), whatever a concurrent fetch does to branches; the post step deletes it.
 */
export async function pin(dir: string, key: string, sha: string, path: string): Promise<void> {
  await gitOk(["-C", dir, "update-ref", `${JOB_REFS}${key}`, sha]);
  mkdirSync(join(dir, JOB_RECORDS), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, JOB_RECORDS, key), JSON.stringify({ path, created: Date.now() }));
}

export async function unpin(dir: string, key: string): Promise<void> {
  await git(["-C", dir, "update-ref", "-d", `${JOB_REFS}${key}`]);
  rmSync(join(dir, JOB_RECORDS, key), { force: true });
}

/** git records a worktree by its real path. */
export function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Worktrees git still knows, after pruning those whose directory is gone. */
export async function liveWorktrees(dir: string): Promise<Set<string>> {
  await git(["-C", dir, "worktree", "prune"]);
  const out = await gitOk(["-C", dir, "worktree", "list", "--porcelain", "-z"]);
  const paths = out.split("\0").filter((l) => l.startsWith("worktree ")).map((l) => l.slice(9));
  return new Set(paths.filter((p) => p !== dir));
}

/** Job refs left by jobs that died before their post step: removed once their worktree is gone. */
export async function sweepJobRefs(dir: string): Promise<void> {
  const live = await liveWorktrees(dir);
  const refs = (await gitOk(["-C", dir, "for-each-ref", "--format=%(refname)", JOB_REFS])).split("\n").filter(Boolean);
  for (const ref of refs) {
    const key = ref.slice(JOB_REFS.length);
    let rec: { path?: string; created?: number } = {};
    try {
      rec = JSON.parse(readFileSync(join(dir, JOB_RECORDS, key), "utf8")) as typeof rec;
    } catch {
      // no record: the job died between update-ref and writing it
    }
    const young = typeof rec.created === "number" && Date.now() - rec.created < PIN_GRACE_MS;
    if (!(rec.path && live.has(realpath(rec.path))) && !young) await unpin(dir, key);
  }
}
