import { spawn } from "node:child_process";

/** What a keeper git call gave back. */
export interface Git {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Auth {
  serverUrl: string;
  token: string;
}

/**
 * git as the keeper runs it: no config but the repository's own (no system or global file, no
 * HOME), no replace objects, no prompts, no hooks or fsmonitor, and the token only as a header in
 * the environment of the commands that talk to the server.
 */
export function keeperEnv(auth?: Auth, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/nonexistent",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
    GIT_PROTOCOL_FROM_USER: "0",
    GIT_ALLOW_PROTOCOL: "http:https",
    ...extra,
  };
  if (auth) {
    const basic = Buffer.from(`x-access-token:${auth.token}`, "utf8").toString("base64");
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = `http.${auth.serverUrl.replace(/\/+$/, "")}/.extraheader`;
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${basic}`;
  }
  return env;
}

const SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "transfer.fsckObjects=true", "-c", "protocol.file.allow=never"];

export interface KeeperGitOptions {
  auth?: Auth;
  /** GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE for the shelved trees. */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export function keeperGit(args: string[], o: KeeperGitOptions = {}): Promise<Git> {
  return new Promise((resolve) => {
    const p = spawn("git", [...SAFE, ...args], { cwd: o.cwd ?? "/", env: keeperEnv(o.auth, o.env), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => (err = (err + b.toString("utf8")).slice(-4000)));
    const t = setTimeout(() => p.kill("SIGKILL"), o.timeoutMs ?? 30 * 60_000);
    p.once("error", (e) => resolve({ code: -1, stdout: "", stderr: e.message }));
    p.once("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: err });
    });
  });
}

export async function keeperGitOk(args: string[], o: KeeperGitOptions = {}): Promise<string> {
  const r = await keeperGit(args, o);
  if (r.code !== 0) throw new Error(`git ${args[0] === "-C" ? args[2] : args[0]} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return r.stdout;
}
