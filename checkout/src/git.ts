import { spawn } from "node:child_process";
import { addMask, info, redact } from "./runner";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  /** Send the token as an Authorization header for this one command (fetch, ls-remote, lfs, submodules). */
  auth?: Auth;
  env?: Record<string, string>;
  /** Print git's stderr (progress, warnings) to the job log, redacted. */
  echo?: boolean;
  /** Written to git's stdin (update-ref --stdin). */
  input?: string;
}

/** The Authorization header for one server, handed to git through its environment only. */
export interface Auth {
  serverUrl: string;
  token: string;
}

/**
 * What of the step's environment git may see. Everything else (INPUT_TOKEN above all, ACTIONS_*,
 * GITHUB_TOKEN, GIT_DIR and friends, GIT_TRACE*) stays out: a filter, hook or helper a hostile
 * config could name would otherwise run with the job's token in its environment. The job's own
 * command-line config (GIT_CONFIG_COUNT/KEY/VALUE) is the job's choice and kept.
 */
const KEPT = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|RUNNER_TEMP|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY|SSL_CERT_(FILE|DIR)|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|GIT_LFS_SKIP_SMUDGE)$/;

/**
 * Set for every git the action runs: no system or global config (files a job could have planted
 * in HOME, or an image's), no replace objects (refs/replace would swap a commit's contents under
 * its id), no prompts.
 */
const HARDENED: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_ATTR_NOSYSTEM: "1",
  GIT_NO_REPLACE_OBJECTS: "1",
  // A job never answers a prompt; without these a missing credential hangs the job.
  GIT_TERMINAL_PROMPT: "0",
  GCM_INTERACTIVE: "never",
  GIT_ASKPASS: "true",
  SSH_ASKPASS: "true",
};

/**
 * The header goes in GIT_CONFIG_COUNT/KEY/VALUE (git ≥ 2.31): git reads it as command-line
 * config, so it is never written to a config file and never appears in argv (/proc/<pid>/cmdline
 * is world-readable; /proc/<pid>/environ is not). actions/checkout sends the same header, scoped
 * to the server URL, so submodules and LFS on that server get it too.
 */
export function authHeader(token: string): string {
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  addMask(basic);
  return `AUTHORIZATION: basic ${basic}`;
}

export function gitEnv(base: NodeJS.ProcessEnv, opts: Pick<GitOptions, "auth" | "env">): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && KEPT.test(k)) env[k] = v;
  Object.assign(env, HARDENED);
  Object.assign(env, opts.env ?? {});
  if (opts.auth && opts.auth.token) {
    const n = /^\d+$/.test(env.GIT_CONFIG_COUNT ?? "") ? Number(env.GIT_CONFIG_COUNT) : 0;
    env[`GIT_CONFIG_KEY_${n}`] = `http.${opts.auth.serverUrl.replace(/\/+$/, "")}/.extraheader`;
    env[`GIT_CONFIG_VALUE_${n}`] = authHeader(opts.auth.token);
    env.GIT_CONFIG_COUNT = String(n + 1);
  }
  return env;
}

/** Options every command of ours carries: no hooks, fsmonitor or replace refs from a config a job may have touched. */
const SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.useReplaceRefs=false", "-c", "transfer.fsckObjects=true"];

export function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn("git", [...SAFE, ...args], { cwd: opts.cwd, env: gitEnv(process.env, opts), stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (opts.input !== undefined) {
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(opts.input);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => {
      err.push(b);
      if (opts.echo) process.stdout.write(redact(b.toString("utf8")));
    });
    child.on("error", (e) => reject(new Error(`cannot run git: ${e.message}`)));
    child.on("close", (code) => resolveP({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

/** Runs git and fails with its (redacted) message when it fails. */
export async function gitOk(args: string[], opts: GitOptions = {}): Promise<string> {
  const r = await git(args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (exit ${r.code}): ${redact(r.stderr.trim())}`);
  return r.stdout;
}

export function logCommand(args: string[]): void {
  info(`[command] git ${args.join(" ")}`);
}
