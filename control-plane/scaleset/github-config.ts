/**
 * Where a scale set lives and where its GitHub API is, as actions/scaleset 0.4.0's config.go reads
 * a config URL: one path segment is an organisation, `enterprises/<e>` an enterprise, two segments
 * a repository. github.com and *.ghe.com use api.<host>; any other host is GitHub Enterprise
 * Server at <host>/api/v3.
 */
export type GithubScope = { kind: "org"; org: string } | { kind: "enterprise"; enterprise: string } | { kind: "repo"; owner: string; repo: string };

export interface GithubConfig {
  configUrl: string;
  scope: GithubScope;
  /** REST API root without a trailing slash. */
  apiUrl: string;
}

export function parseGithubConfig(raw: string, apiOverride?: string): GithubConfig {
  const url = new URL(raw.replace(/^\/+|\/+$/g, ""));
  const parts = url.pathname.replace(/^\/+|\/+$/g, "").split("/").filter(Boolean);
  let scope: GithubScope;
  if (parts.length === 1) scope = { kind: "org", org: parts[0]! };
  else if (parts.length === 2 && parts[0]!.toLowerCase() === "enterprises") scope = { kind: "enterprise", enterprise: parts[1]! };
  else if (parts.length === 2) scope = { kind: "repo", owner: parts[0]!, repo: parts[1]! };
  else throw new Error(`${raw}: not an organisation, enterprise or repository URL`);
  const host = url.host.toLowerCase();
  const hosted = host === "github.com" || host === "www.github.com" || host === "github.localhost" || host.endsWith(".ghe.com");
  const apiUrl = apiOverride ?? (hosted ? `${url.protocol}//${host === "www.github.com" ? "api.github.com" : `api.${url.host}`}` : `${url.protocol}//${url.host}/api/v3`);
  return { configUrl: url.href.replace(/\/+$/, ""), scope, apiUrl: apiUrl.replace(/\/+$/, "") };
}

/** POST path of the registration token for the scope (createRegistrationTokenPath). */
export function registrationTokenPath(scope: GithubScope): string {
  if (scope.kind === "org") return `/orgs/${encodeURIComponent(scope.org)}/actions/runners/registration-token`;
  if (scope.kind === "enterprise") return `/enterprises/${encodeURIComponent(scope.enterprise)}/actions/runners/registration-token`;
  return `/repos/${encodeURIComponent(scope.owner)}/${encodeURIComponent(scope.repo)}/actions/runners/registration-token`;
}
