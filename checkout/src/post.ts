import { mkdirSync } from "node:fs";
import { exists } from "./fsutil";
import { parkWorktree, readyToPark } from "./park";
import { removeOldMirrors } from "./cleanup";
import { withLock } from "./lock";
import { sweepJobRefs, touchLastUse, unpin } from "./mirror";
import { giveBackOrRemove } from "./owned";
import { info, run, state } from "./runner";
import { removeWorktree } from "./worktree";

/**
 * Runs after the job whatever its result (post-if: always()). Works from the state main saved, not
 * from the workspace, which the job may have deleted or mangled.
 */
run(async () => {
  if (state("mode") === "owned") {
    if (!state("path")) throw new Error("the main step saved no path: nothing to clean up safely");
    info(await giveBackOrRemove(state));
    return;
  }
  if (state("mode") !== "worktree") {
    info("no worktree to remove");
    return;
  }
  const dir = state("mirror");
  const path = state("path");
  const key = state("key");
  if (!dir || !path || !key) throw new Error("the main step saved no mirror, path or key: nothing to clean up safely");
  const workspace = state("workspace");
  const lockTimeout = Number(state("lockTimeoutSeconds")) || 600;
  const keep = Number(state("keep")) || 0;
  process.chdir(state("cacheDir")); // the workspace may be moved away from under us
  let parked = false;
  if (keep > 0 && exists(dir) && (await readyToPark(dir, path))) {
    parked = await withLock(state("lock"), lockTimeout, async () => exists(dir) && parkWorktree(dir, path, keep));
  }
  if (parked) {
    mkdirSync(workspace, { recursive: true });
    info(`parked the worktree from ${path} for the next job on this cache`);
  } else {
    await removeWorktree(dir, path, workspace);
    info(`removed the worktree at ${path}`);
  }
  await withLock(state("lock"), lockTimeout, async () => {
    if (!exists(dir)) return;
    await unpin(dir, key);
    await sweepJobRefs(dir);
    touchLastUse(dir);
  });
  for (const old of await removeOldMirrors(state("cacheDir"), Number(state("maxAgeDays")), dir)) info(`removed ${old}: unused for more than ${state("maxAgeDays")} days`);
});
