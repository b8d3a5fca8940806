import { lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { exists, removeTree } from "./fsutil";
import { LockTimeout, withLock } from "./lock";
import { lastUseFile, liveWorktrees, mirrorRoot } from "./mirror";
import { isParked, parkDir } from "./park";

const DAY_MS = 24 * 60 * 60 * 1000;

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((e) => join(dir, e))
      .filter((p) => lstatSync(p).isDirectory());
  } catch {
    return [];
  }
}

function lastUse(dir: string): number {
  try {
    return statSync(lastUseFile(dir)).mtimeMs;
  } catch {
    return statSync(dir).mtimeMs;
  }
}

/**
 * Removes mirrors no job has used for `maxAgeDays`, each under its own lock taken without waiting
 * (a busy mirror is in use, so not old) and only when no worktree of it is alive.
 */
export async function removeOldMirrors(cacheDir: string, maxAgeDays: number, keep: string): Promise<string[]> {
  if (maxAgeDays === 0) return [];
  const removed: string[] = [];
  const tooOld = (dir: string) => Date.now() - lastUse(dir) > maxAgeDays * DAY_MS;
  for (const host of subdirs(mirrorRoot(cacheDir))) {
    for (const owner of subdirs(host)) {
      for (const dir of subdirs(owner).filter((d) => d.endsWith(".git") && d !== keep)) {
        if (!tooOld(dir)) continue;
        try {
          await withLock(`${dir}.lock`, 0, async () => {
            if (!exists(dir) || !tooOld(dir)) return;
            let inUse = false;
            try {
              inUse = exists(join(dir, "HEAD")) && [...(await liveWorktrees(dir))].some((w) => !isParked(dir, w));
            } catch {
              // not a repository git can read: nothing in it is worth keeping
            }
            if (inUse) return;
            removeTree(parkDir(dir));
            removeTree(dir);
            removed.push(dir);
          });
        } catch (e) {
          if (!(e instanceof LockTimeout)) throw e;
        }
      }
    }
  }
  return removed;
}
