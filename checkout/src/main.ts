import { randomUUID } from "node:crypto";
import { submodulesAndLfs, requireLfs } from "./extras";
import { plainCheckout } from "./fallback";
import { refuseLinkedPath } from "./fsutil";
import { parseOptions } from "./inputs";
import { LockUnavailable } from "./lock";
import { ownedCheckout } from "./owned";
import { addMask, info, input, run, saveState, setOutput, warning } from "./runner";
import { warmCheckout } from "./warm";

run(async () => {
  const o = parseOptions(input, process.env);
  addMask(o.token);
  refuseLinkedPath(o.workspace, o.path, input("path") || ".");
  if (o.lfs) await requireLfs();

  let result: { sha: string; ref: string } | undefined;
  let mode = "clone";
  const socket = process.env.RUNNER_FLEET_GIT_SOCKET || undefined;
  if (socket !== undefined) {
    // The host keeps the mirror (EC2 slots): no mirror the job could write is ever used.
    result = await ownedCheckout(o, socket);
    mode = "keeper";
  } else if (o.cacheDir !== undefined) {
    try {
      result = await warmCheckout({ ...o, cacheDir: o.cacheDir }, randomUUID());
      mode = "worktree";
    } catch (e) {
      if (!(e instanceof LockUnavailable)) throw e;
      warning(`RUNNER_FLEET_CACHE_DIR is set but ${e.message}: a plain clone instead of the warm mirror`);
    }
  }
  if (result === undefined) {
    saveState("mode", "clone");
    result = await plainCheckout(o);
  }
  await submodulesAndLfs(o, mode === "worktree");
  setOutput("commit", result.sha);
  setOutput("ref", result.ref);
  setOutput("mode", mode);
  info(`${o.owner}/${o.repo} ${result.ref || result.sha} checked out at ${result.sha} in ${o.path} (${mode})`);
});
