import { isGithubCloudHost, isScopeError, parseGithubUrl } from "./github-url";
import type { GithubConfig } from "./schema";

/**
 * Whether GitHub honours scale-set labels beyond the name. GitHub's cloud does; an Enterprise
 * Server needs 3.18+ with DistributedTask.AllowRunnerScaleSetCustomLabels (on by default from
 * 3.21) and otherwise drops them silently (actions/scaleset README).
 */
export function extraLabelsHonoured(github: Pick<GithubConfig, "url" | "enterpriseServer">): boolean {
  const scope = parseGithubUrl(github.url);
  if (!isScopeError(scope) && isGithubCloudHost(scope.host)) return true;
  const server = github.enterpriseServer;
  if (server === undefined) return false;
  const minor = Number(server.version.split(".")[1]);
  return server.customLabels ?? minor >= 21;
}

/** The labels GitHub matches a job against: all registered ones, or only the name where extra labels are dropped. */
export function effectiveScaleSetLabels(registered: readonly string[], honoured: boolean): string[] {
  return honoured ? [...registered] : registered.slice(0, 1);
}
