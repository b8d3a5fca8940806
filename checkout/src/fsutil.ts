import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Refusal } from "./runner";

export function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Refuses a path reached through a symlink below the workspace: we would write where the link points. */
export function refuseLinkedPath(workspace: string, path: string, inputPath: string): void {
  let cur = workspace;
  for (const part of relative(workspace, path).split(sep).filter(Boolean)) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) throw new Refusal(`input path: '${inputPath}' goes through the symlink ${cur}`);
    if (!st.isDirectory()) throw new Refusal(`input path: '${inputPath}': ${cur} is not a directory`);
  }
}

/** Our own directories in the cache: made 0700, and refused when another user owns them or may write them. */
export function privateDir(dir: string, setting: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Refusal(`${setting}: ${dir} belongs to uid ${st.uid}, not to this job's uid ${uid}; refusing a mirror another user can change`);
  if ((st.mode & 0o022) !== 0) throw new Refusal(`${setting}: ${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); refusing a mirror another user can change`);
}

/**
 * Removes a tree a job may have made hard to remove (read-only directories). Never follows a
 * symlink: rmSync unlinks links, and chmod is only applied to real directories.
 */
export function removeTree(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
    return;
  } catch {
    makeWritable(p);
  }
  rmSync(p, { recursive: true, force: true });
}

function makeWritable(p: string): void {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  try {
    chmodSync(p, 0o700);
  } catch {
    return;
  }
  for (const e of readdirSync(p)) makeWritable(join(p, e));
}

/** Empties a directory, keeping the directory itself (the runner's workspace must stay). */
export function emptyDir(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    removeTree(dir);
    mkdirSync(dir, { recursive: true });
    return;
  }
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    chmodSync(dir, (st.mode & 0o777) | 0o700); // a job made it unreadable
    entries = readdirSync(dir);
  }
  for (const e of entries) removeTree(join(dir, e));
}

export function isEmptyDir(dir: string): boolean {
  return readdirSync(dir).length === 0;
}
