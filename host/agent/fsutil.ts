import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * A slot's own runner directory as hard links of the installed one: every runner gets its own
 * config and diagnostics without N copies of a few hundred MB.
 */
export function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    if (existsSync(dst)) continue;
    const st = lstatSync(src);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isDirectory()) linkTree(src, dst);
    else linkSync(src, dst);
  }
}

export function chownTree(path: string, uid: number | undefined, gid: number | undefined): void {
  if (uid === undefined || gid === undefined) return;
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/**
 * Removes work directories older than maxAgeMs that no running job owns; returns what it removed.
 * The age is the directory's mtime: a job touching its workspace keeps it young.
 */
export function sweepWork(workRoot: string, active: ReadonlySet<string>, maxAgeMs: number, now = Date.now()): string[] {
  if (!existsSync(workRoot)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(workRoot)) {
    const path = join(workRoot, name);
    if (active.has(path)) continue;
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (now - mtime > maxAgeMs) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}
