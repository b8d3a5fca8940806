import { isAbsolute, relative, resolve } from "node:path";
import { Refusal } from "./runner";

/** What to check out: a commit, a named ref (branch, tag or full ref), or the default branch. */
export type Target = { kind: "sha"; sha: string; ref: string } | { kind: "ref"; ref: string } | { kind: "default-branch" };

export interface Options {
  owner: string;
  repo: string;
  serverUrl: URL;
  /** The remote as git sees it; it never carries a credential. */
  remoteUrl: string;
  target: Target;
  token: string;
  workspace: string;
  path: string;
  /** 0 means the whole history. */
  fetchDepth: number;
  submodules: "false" | "true" | "recursive";
  lfs: boolean;
  /** 0 disables the age-based cleanup of mirrors. */
  maxAgeDays: number;
  lockTimeoutSeconds: number;
  /** Finished worktrees kept per mirror for the next job to reuse; 0 removes each after its job. */
  keepWorktrees: number;
  /** Absolute; undefined when the runner has no RUNNER_FLEET_CACHE_DIR (the plain clone). */
  cacheDir: string | undefined;
}

type Env = Record<string, string | undefined>;
type Inputs = (name: string) => string;

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const NAME = /^[A-Za-z0-9_.-]+$/;

/** git's rules for a ref name (git-check-ref-format), plus no leading "-" so it is never an option. */
export function validRefName(ref: string): boolean {
  if (ref === "" || ref === "@" || ref.startsWith("-") || ref.startsWith("/") || ref.endsWith("/") || ref.endsWith(".")) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes("..") || ref.includes("@{") || ref.includes("//")) return false;
  return ref.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}

function integer(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Refusal(`input ${name}: '${value}' is not an integer ≥ ${min}`);
  return Number(value);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase();
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw new Refusal(`input ${name}: '${value}' is not one of ${allowed.join(", ")}`);
  return hit;
}

/** Reads and checks every input; refuses by name what the action cannot honour. */
export function parseOptions(get: Inputs, env: Env): Options {
  const workspace = env.GITHUB_WORKSPACE;
  if (!workspace || !isAbsolute(workspace)) throw new Refusal("GITHUB_WORKSPACE is not set to an absolute path: run this as a step of a job");

  const repository = get("repository") || (env.GITHUB_REPOSITORY ?? "");
  const [owner, repo, extra] = repository.split("/");
  if (!owner || !repo || extra !== undefined || !NAME.test(owner) || !NAME.test(repo) || [owner, repo].some((p) => p === "." || p === "..")) {
    throw new Refusal(`input repository: '${repository}' is not owner/name`);
  }

  let serverUrl: URL;
  try {
    serverUrl = new URL(env.GITHUB_SERVER_URL || "https://github.com");
  } catch {
    throw new Refusal(`GITHUB_SERVER_URL: '${env.GITHUB_SERVER_URL}' is not a URL`);
  }
  if (!["https:", "http:", "file:"].includes(serverUrl.protocol) || serverUrl.username || serverUrl.password || serverUrl.search || serverUrl.hash) {
    throw new Refusal(`GITHUB_SERVER_URL: '${env.GITHUB_SERVER_URL}' must be a plain https:// (or http://, file://) URL without credentials`);
  }
  const base = serverUrl.href.replace(/\/+$/, "");
  const remoteUrl = `${base}/${owner}/${repo}`;

  const refInput = get("ref");
  let target: Target;
  if (refInput === "") {
    const sameRepo = repository.toLowerCase() === (env.GITHUB_REPOSITORY ?? "").toLowerCase();
    const sha = env.GITHUB_SHA ?? "";
    target = sameRepo && SHA.test(sha) ? { kind: "sha", sha: sha.toLowerCase(), ref: env.GITHUB_REF ?? "" } : { kind: "default-branch" };
  } else if (SHA.test(refInput)) {
    target = { kind: "sha", sha: refInput.toLowerCase(), ref: "" };
  } else if (validRefName(refInput)) {
    target = { kind: "ref", ref: refInput };
  } else {
    throw new Refusal(`input ref: '${refInput}' is neither a commit SHA nor a valid ref name`);
  }

  const path = resolve(workspace, get("path") || ".");
  const rel = relative(resolve(workspace), path);
  if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) throw new Refusal(`input path: '${get("path")}' is outside the workspace ${workspace}`);

  const cacheDir = env.RUNNER_FLEET_CACHE_DIR || undefined;
  if (cacheDir !== undefined && !isAbsolute(cacheDir)) throw new Refusal(`RUNNER_FLEET_CACHE_DIR: '${cacheDir}' is not an absolute path`);

  return {
    owner,
    repo,
    serverUrl,
    remoteUrl,
    target,
    token: get("token"),
    workspace: resolve(workspace),
    path,
    fetchDepth: integer("fetch-depth", get("fetch-depth") || "1", 0),
    submodules: oneOf("submodules", get("submodules") || "false", ["false", "true", "recursive"] as const),
    lfs: oneOf("lfs", get("lfs") || "false", ["false", "true"] as const) === "true",
    maxAgeDays: integer("cache-max-age-days", get("cache-max-age-days") || "14", 0),
    lockTimeoutSeconds: integer("lock-timeout-seconds", get("lock-timeout-seconds") || "600", 1),
    keepWorktrees: integer("keep-worktrees", get("keep-worktrees") || "2", 0),
    cacheDir,
  };
}
