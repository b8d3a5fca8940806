/** Where runners register: a repository, an organisation or an enterprise. */
export type GithubScope =
  | { kind: "repo"; host: string; owner: string; repo: string }
  | { kind: "org"; host: string; org: string }
  | { kind: "enterprise"; host: string; enterprise: string };

const SLUG = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;

/** Parses a runner registration URL, or returns the reason it is not one. */
export function parseGithubUrl(url: string): GithubScope | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: `not a URL: "${url}"` };
  }
  if (parsed.protocol !== "https:") return { error: `must be an https:// URL, got "${url}"` };
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    return { error: `must be a plain URL without query, fragment or credentials` };
  }
  // ARC passes githubConfigUrl on verbatim: a clone URL or a trailing slash is not a runner scope.
  if (parsed.pathname.length > 1 && parsed.pathname.endsWith("/")) return { error: `must not end with "/": write ${url.replace(/\/+$/, "")}` };
  if (parsed.pathname.toLowerCase().endsWith(".git")) return { error: `is a clone URL; write the repository's page URL ${url.replace(/\.git$/i, "")}` };
  const parts = parsed.pathname.split("/").filter((p) => p.length > 0);
  const host = parsed.host;
  const bad = parts.find((p) => !SLUG.test(p));
  if (bad !== undefined) return { error: `"${bad}" is not a valid GitHub owner or repository name` };
  if (parts[0] === "enterprises") {
    if (parts.length !== 2) return { error: `an enterprise URL is https://${host}/enterprises/<slug>` };
    return { kind: "enterprise", host, enterprise: parts[1]! };
  }
  if (parts.length === 1) return { kind: "org", host, org: parts[0]! };
  if (parts.length === 2) return { kind: "repo", host, owner: parts[0]!, repo: parts[1]! };
  return {
    error: `expected https://${host}/<org>, https://${host}/<org>/<repo> or https://${host}/enterprises/<slug>, got "${url}"`,
  };
}

export function isScopeError(s: GithubScope | { error: string }): s is { error: string } {
  return "error" in s;
}

/** github.com, or GitHub Enterprise Cloud with data residency (`<name>.ghe.com`): GitHub's own cloud. */
export function isGithubCloudHost(host: string): boolean {
  return host === "github.com" || /^[a-z0-9-]+\.ghe\.com$/.test(host);
}
