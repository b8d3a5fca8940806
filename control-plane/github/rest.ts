import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { Logger } from "../aws/log";
import type { GitHubCredential } from "./credential";

/**
 * GitHub REST for the reaper and the mirror, through Octokit: App or token auth, GitHub's rate
 * limits honoured (secondary limits: 403/429 with Retry-After while x-ratelimit-remaining is not 0),
 * transient failures retried. A wait longer than `maxWaitSeconds` is not taken: the run ends and
 * the next schedule tries again, instead of a Lambda sleeping into its timeout.
 */
const FleetOctokit = Octokit.plugin(throttling, retry, paginateRest);
export type GitHubRest = InstanceType<typeof FleetOctokit>;

export interface RestOptions {
  baseUrl: string;
  log: Logger;
  maxWaitSeconds?: number;
  maxRetries?: number;
  /** Tests shorten GitHub's seconds to milliseconds; 1000 in Lambda. */
  retryAfterUnitMs?: number;
  /** The function's fetch: paced through its share of GitHub's limits (github/budget.ts). */
  fetch?: typeof fetch;
}

export function createGitHubRest(credential: GitHubCredential, opts: RestOptions): GitHubRest {
  const maxWait = opts.maxWaitSeconds ?? 60;
  const maxRetries = opts.maxRetries ?? 2;
  const log = opts.log.child({ component: "github-rest" });
  const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    const again = retryCount < maxRetries && retryAfter <= maxWait;
    log.warn(`GitHub ${kind}`, { method: options.method, url: options.url, retryAfter, retryCount, again });
    return again;
  };
  const auth =
    credential.kind === "app"
      ? { authStrategy: createAppAuth, auth: { appId: credential.appId, privateKey: credential.privateKey, installationId: credential.installationId } }
      : { auth: credential.token };
  return new FleetOctokit({
    ...auth,
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    userAgent: "runner-fleet-control-plane",
    ...(opts.fetch ? { request: { fetch: opts.fetch } } : {}),
    throttle: {
      onRateLimit: onLimit("rate limit"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
      retryAfterBaseValue: opts.retryAfterUnitMs ?? 1000,
      fallbackSecondaryRateRetryAfter: 60,
    },
    retry: { retries: maxRetries, retryAfterBaseValue: opts.retryAfterUnitMs ?? 1000 },
    // Octokit's own warnings through our redacting logger, never console.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
  });
}

/** Where a scale set's runners live on GitHub, from the pool's githubUrl. */
export type RunnerScope = { kind: "org"; org: string } | { kind: "repo"; owner: string; repo: string } | { kind: "enterprise"; enterprise: string };

export function runnerScope(githubUrl: string): RunnerScope {
  const parts = new URL(githubUrl).pathname.split("/").filter(Boolean);
  if (parts[0] === "enterprises" && parts.length === 2) return { kind: "enterprise", enterprise: parts[1]! };
  if (parts.length === 1) return { kind: "org", org: parts[0]! };
  if (parts.length === 2) return { kind: "repo", owner: parts[0]!, repo: parts[1]! };
  throw new Error(`${githubUrl} names no organisation, repository or enterprise`);
}

export interface GitHubRunner {
  id: number;
  name: string;
  status: string;
  busy: boolean;
}

/**
 * Every self-hosted runner in a scope, all pages. Enterprise runner endpoints exist only on GitHub
 * Enterprise Cloud/Server and refuse GitHub App auth, so with an enterprise URL the caller must use
 * a token; github.com's description (api.github.com.json) has no enterprise runner routes.
 */
export async function listRunners(gh: GitHubRest, scope: RunnerScope): Promise<GitHubRunner[]> {
  const route =
    scope.kind === "org"
      ? { url: "GET /orgs/{org}/actions/runners", params: { org: scope.org } }
      : scope.kind === "repo"
        ? { url: "GET /repos/{owner}/{repo}/actions/runners", params: { owner: scope.owner, repo: scope.repo } }
        : { url: "GET /enterprises/{enterprise}/actions/runners", params: { enterprise: scope.enterprise } };
  const runners = (await gh.paginate(route.url as "GET /orgs/{org}/actions/runners", { ...route.params, per_page: 100 } as { org: string; per_page: number })) as GitHubRunner[];
  return runners.map((r) => ({ id: r.id, name: r.name, status: r.status, busy: r.busy }));
}

/** Deletes a runner; one already gone (404) counts as deleted. */
export async function deleteRunner(gh: GitHubRest, scope: RunnerScope, runnerId: number): Promise<void> {
  try {
    if (scope.kind === "org") await gh.request("DELETE /orgs/{org}/actions/runners/{runner_id}", { org: scope.org, runner_id: runnerId });
    else if (scope.kind === "repo") await gh.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", { owner: scope.owner, repo: scope.repo, runner_id: runnerId });
    else await gh.request("DELETE /enterprises/{enterprise}/actions/runners/{runner_id}", { enterprise: scope.enterprise, runner_id: runnerId });
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
  }
}
