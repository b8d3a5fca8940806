import type { Options } from "./inputs";
import { withLock } from "./lock";
import { mirrorFor, pin, prepareCacheDirs, resolveTarget, sweepJobRefs, updateMirror } from "./mirror";
import { claimParked, reuseParked } from "./park";
import { endGroup, group, info, saveState } from "./runner";
import { populateWorktree, registerWorktree } from "./worktree";

/** Trees with submodules cannot be moved by git, and LFS content is fetched per job: those are never parked. */
function parkable(o: Options): boolean {
  return o.submodules === "false" && !o.lfs;
}

/**
 * The warm path: under the mirror's lock (the only steps jobs on one cache take in turn) update
 * the mirror, pin the commit and claim a parked worktree or register a new one; outside it, write
 * the files.
 */
export async function warmCheckout(o: Options & { cacheDir: string }, key: string): Promise<{ sha: string; ref: string }> {
  const m = mirrorFor(o);
  prepareCacheDirs(m);
  const keep = parkable(o) ? o.keepWorktrees : 0;
  // Saved before anything can fail: the post step runs whatever happens here and cleans up after it.
  for (const [k, v] of Object.entries({ mode: "worktree", mirror: m.dir, lock: m.lock, key, path: o.path, workspace: o.workspace, cacheDir: o.cacheDir, maxAgeDays: String(o.maxAgeDays), lockTimeoutSeconds: String(o.lockTimeoutSeconds), keep: String(keep) })) {
    saveState(k, v);
  }
  group(`Updating the mirror of ${m.label} in ${m.dir}`);
  const asked = Date.now();
  let target: { sha: string; ref: string };
  let claimed = false;
  let admin = "";
  // The job's path may be our cwd, and a parked tree takes its place by rename.
  process.chdir(o.cacheDir);
  try {
    target = await withLock(m.lock, o.lockTimeoutSeconds, async () => {
      info(`mirror lock taken after ${Date.now() - asked} ms`);
      const t0 = Date.now();
      await updateMirror(m);
      info(`mirror updated in ${Date.now() - t0} ms`);
      await sweepJobRefs(m.dir);
      const t = await resolveTarget(m, o.target, key);
      await pin(m.dir, key, t.sha, o.path);
      if (keep > 0) claimed = await claimParked(m.dir, o.path);
      if (!claimed) admin = await registerWorktree(m.dir, o.path, t.sha);
      return t;
    });
  } finally {
    endGroup();
  }
  const t1 = Date.now();
  if (claimed) {
    if (await reuseParked(m.dir, o.path, target.sha)) {
      info(`parked worktree of ${m.dir} moved to ${o.path} and reset to ${target.sha} in ${Date.now() - t1} ms`);
      return target;
    }
    const sha = target.sha;
    admin = await withLock(m.lock, o.lockTimeoutSeconds, () => registerWorktree(m.dir, o.path, sha));
  }
  await populateWorktree(o.path);
  info(`worktree ${admin} of ${m.dir} added at ${o.path} in ${Date.now() - t1} ms`);
  return target;
}
