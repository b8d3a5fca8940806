/**
 * The scope a runner scale set lives in, read from a config URL the way actions/scaleset 0.4.0's
 * config.go (parseGitHubConfigFromURL) reads it: the URL trimmed of slashes, then one path segment
 * is an organisation, `enterprises/<e>` an enterprise, any other two segments a repository, and
 * anything else is refused ("should point to an enterprise, org, or repository"). github.com,
 * www.github.com, github.localhost and *.ghe.com are hosted (isHostedGitHubURL); any other host is
 * a GitHub Enterprise Server. Written here from the Go source, not taken from the client under
 * test, so the stand-in cannot share the client's mistakes.
 *
 * GitHub logins and repository names are case-insensitive, so the key is lower-cased; the service
 * keeps one world per key.
 */
export type StandinScope =
  | { kind: "enterprise"; key: string; host: string; enterprise: string }
  | { kind: "organization"; key: string; host: string; org: string }
  | { kind: "repository"; key: string; host: string; org: string; repo: string };

const HOSTED = (host: string) => host === "github.com" || host === "www.github.com" || host === "github.localhost" || host.endsWith(".ghe.com");

/** github.com and www.github.com are one instance (the client re-routes www to api.github.com). */
export function instanceHost(host: string): string {
  const h = host.toLowerCase();
  return h === "www.github.com" ? "github.com" : h;
}

export function isHostedHost(host: string): boolean {
  return HOSTED(host.toLowerCase());
}

/** The scope of a config URL, or why it is none. */
export function parseScope(raw: string): StandinScope | { error: string } {
  let u: URL;
  try {
    u = new URL(raw.replace(/^\/+|\/+$/g, ""));
  } catch {
    return { error: `${raw}: not a URL` };
  }
  const host = instanceHost(u.host);
  const parts = u.pathname.replace(/^\/+|\/+$/g, "").split("/");
  const invalid = { error: `"${raw}": invalid config URL, should point to an enterprise, org, or repository` };
  if (parts.length === 1) {
    if (parts[0] === "") return invalid;
    const org = decodeURIComponent(parts[0]!);
    return { kind: "organization", key: `${host}/${org.toLowerCase()}`, host, org };
  }
  if (parts.length === 2) {
    const [a, b] = parts.map(decodeURIComponent) as [string, string];
    if (a.toLowerCase() === "enterprises") return { kind: "enterprise", key: `${host}/enterprises/${b.toLowerCase()}`, host, enterprise: b };
    return { kind: "repository", key: `${host}/${a.toLowerCase()}/${b.toLowerCase()}`, host, org: a, repo: b };
  }
  return invalid;
}

/** The scope a registration-token route names (POST /orgs/{org}|/repos/{o}/{r}|/enterprises/{e}/actions/runners/registration-token). */
export function scopeOfRoute(host: string, route: string): StandinScope | undefined {
  const parts = route.split("/").map(decodeURIComponent);
  if (parts[0] === "orgs" && parts.length === 2) return { kind: "organization", key: `${host}/${parts[1]!.toLowerCase()}`, host, org: parts[1]! };
  if (parts[0] === "repos" && parts.length === 3) return { kind: "repository", key: `${host}/${parts[1]!.toLowerCase()}/${parts[2]!.toLowerCase()}`, host, org: parts[1]!, repo: parts[2]! };
  if (parts[0] === "enterprises" && parts.length === 2) return { kind: "enterprise", key: `${host}/enterprises/${parts[1]!.toLowerCase()}`, host, enterprise: parts[1]! };
  return undefined;
}

/**
 * Whether a job from `repository` (owner/name) may be offered to a set of this scope: a repository
 * set serves that repository only, an organisation set its organisation's repositories, an
 * enterprise set the repositories of the organisations in the enterprise.
 */
export function scopeServes(scope: StandinScope, repository: string, enterpriseOrgs: readonly string[]): boolean {
  const [owner = "", name = ""] = repository.toLowerCase().split("/");
  if (scope.kind === "repository") return scope.org.toLowerCase() === owner && scope.repo.toLowerCase() === name;
  if (scope.kind === "organization") return scope.org.toLowerCase() === owner;
  return enterpriseOrgs.some((o) => o.toLowerCase() === owner);
}
