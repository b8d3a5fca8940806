import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const gitEnv = (env: Record<string, string>) => ({ PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", ...env });

/** git with no user or system config, so what a test sees is what the repository holds. Local only: it blocks the event loop. */
export function git(args: string[], cwd?: string, env: Record<string, string> = {}): string {
  // safe.directory: the tests (root) also look into worktrees a slot's uid owns.
  return execFileSync("git", ["-c", "safe.directory=*", ...args], { cwd, encoding: "utf8", maxBuffer: 256 << 20, env: gitEnv(env) }).trim();
}

/** For anything that talks to the test's own HTTP server, which lives in this process's event loop. */
export function gitAsync(args: string[], cwd?: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((res, rej) =>
    execFile("git", args, { cwd, encoding: "utf8", maxBuffer: 256 << 20, env: gitEnv(env) }, (e, out, err) => (e ? rej(new Error(`git ${args.join(" ")}: ${err}`)) : res(out.trim()))),
  );
}

/**
 * A repository as the server holds it (bare, at <root>/<owner>/<repo>) and a working clone the
 * test commits in and pushes from, the way a developer would.
 */
export class Upstream {
  readonly bare: string;
  readonly work: string;
  constructor(
    readonly root: string,
    readonly owner: string,
    readonly repo: string,
  ) {
    this.bare = join(root, owner, repo);
    this.work = join(root, "..", "work-clones", owner, repo);
    mkdirSync(dirname(this.bare), { recursive: true });
    git(["init", "--quiet", "--bare", "--initial-branch=main", this.bare]);
    mkdirSync(this.work, { recursive: true });
    git(["init", "--quiet", "--initial-branch=main", this.work]);
    git(["remote", "add", "origin", this.bare], this.work);
  }

  g(...args: string[]): string {
    return git(args, this.work);
  }

  /** Writes files (null deletes one), commits, returns the SHA. */
  commit(msg: string, files: Record<string, string | Buffer | null>): string {
    for (const [f, content] of Object.entries(files)) {
      const p = join(this.work, f);
      if (content === null) {
        this.g("rm", "-q", "--", f);
        continue;
      }
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      this.g("add", "--", f);
    }
    this.g("commit", "--quiet", "--allow-empty", "-m", msg);
    return this.g("rev-parse", "HEAD");
  }

  push(...refspecs: string[]): void {
    this.g("push", "--quiet", "--force", "origin", ...refspecs);
  }

  sha(rev: string): string {
    return git(["rev-parse", "--verify", `${rev}^{commit}`], this.bare);
  }
}

/** Incompressible bulk, so pack sizes say what was sent. */
export function noise(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** Every regular file under `dir` (symlinks not followed). */
export function* files(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isDirectory()) yield* files(p);
    else if (st.isFile()) yield p;
  }
}

/** Files under `dirs` whose bytes contain any of `needles`. */
export function filesContaining(dirs: string[], needles: string[]): string[] {
  const hits: string[] = [];
  const bufs = needles.filter(Boolean).map((n) => Buffer.from(n));
  for (const d of dirs) for (const f of files(d)) {
    const b = readFileSync(f);
    if (bufs.some((n) => b.includes(n))) hits.push(f);
  }
  return hits;
}
