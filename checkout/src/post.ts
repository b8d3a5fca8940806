import { exists } from "./fsutil";
import { removeOldMirrors } from "./cleanup";
import { withLock } from "./lock";
import { sweepJobRefs, touchLastUse, unpin } from "./mirror";
import { info, run, state } from "./runner";
import { removeWorktree } from "./worktree";

/**
 * Runs after the job whatever its result (post-if: always()). Works from the state main saved, not
 * from the workspace, which the job may have deleted or mangled.
 */
run(async () => {
  if (state("mode") !== "worktree") {
    info("no worktree to remove");
    return;
  }
  const dir = state("mirror");
  const path = state("path");
  const key = state("key");
  if (!dir || !path || !key) throw new Error("the main step saved no mirror, path or key: nothing to clean up safely");
  await removeWorktree(dir, path, state("workspace"));
  info(`removed the worktree at ${path}`);
  await withLock(state("lock"), Number(state("lockTimeoutSeconds")) || 600, async () => {
    if (!exists(dir)) return;
    await unpin(dir, key);
    await sweepJobRefs(dir);
    touchLastUse(dir);
  });
  for (const old of await removeOldMirrors(state("cacheDir"), Number(state("maxAgeDays")), dir)) info(`removed ${old}: unused for more than ${state("maxAgeDays")} days`);
});
