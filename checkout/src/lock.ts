import { spawn } from "node:child_process";

/** flock(1) could not be run at all (util-linux missing). */
export class LockUnavailable extends Error {}
/** Another job held the lock longer than we were willing to wait. */
export class LockTimeout extends Error {}

const TIMED_OUT = 75;

/**
 * Holds an exclusive flock(2) on `file` while `fn` runs. flock(1) takes the lock and keeps it in a
 * child (`cat`) that lives until we close its stdin: the kernel drops the lock when that child
 * exits, so a job killed mid-update never leaves a stale lock behind for the next one to guess
 * about. `waitSeconds` 0 means "only if free right now".
 */
export async function withLock<T>(file: string, waitSeconds: number, fn: () => Promise<T>): Promise<T> {
  const wait = waitSeconds > 0 ? ["-w", String(waitSeconds)] : ["-n"];
  const child = spawn("flock", [...wait, "-E", String(TIMED_OUT), file, "sh", "-c", "echo locked && exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<number>((res) => child.on("close", (code) => res(code ?? 1)));
  child.stdin.on("error", () => undefined); // flock gone already: nothing left to release
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  const acquired = await new Promise<boolean>((res, rej) => {
    let out = "";
    child.on("error", (e: NodeJS.ErrnoException) =>
      rej(e.code === "ENOENT" ? new LockUnavailable("flock(1) is not installed (Debian/Ubuntu: util-linux)") : e),
    );
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      if (out.includes("locked\n")) res(true);
    });
    void exited.then((code) => {
      if (code === TIMED_OUT) res(false);
      else rej(new Error(`flock ${file} exited ${code}: ${stderr.trim()}`));
    });
  });
  if (!acquired) throw new LockTimeout(`lock ${file} still held by another job after ${waitSeconds} s`);
  try {
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}
