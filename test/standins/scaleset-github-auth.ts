import { createPublicKey, randomBytes, verify } from "node:crypto";
import { appJwtClaimsProblem } from "./app-jwt";
import { installationScope, type Installation } from "./github-rest";
import { scopeOfRoute, type StandinScope } from "./scaleset-scope";

/**
 * The GitHub side of the scale-set stand-in: who may get an admin connection to which scope.
 * An App JWT buys an installation token (test/standins/app-jwt.ts rules), a GitHub token buys a
 * registration token for one scope (POST …/actions/runners/registration-token), and only that
 * scope's config URL exchanges it at /actions/runner-registration for the scope's tenant and admin
 * token (actions/scaleset 0.4.0 client.go: getRunnerRegistrationToken, fetchAccessToken,
 * getActionsServiceAdminConnection).
 *
 * Refusals as GitHub answers them: 401 "Bad credentials" for an unknown token; for an installation
 * token, 404 "Not Found" for an account or repository it cannot see and 403 "Resource not
 * accessible by integration" for a permission it lacks (installationScope, the REST stand-in's
 * rule), 403 on enterprise routes (GitHub's REST reference: enterprise runner endpoints take no App
 * installation token); 404 for an organisation, repository or enterprise the service does not
 * know. The exchange with a registration token of another scope, or for a URL the service does not
 * know, is `404 {"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`,
 * what config.sh prints for a wrong token or URL (actions/runner#4217,
 * actions/actions-runner-controller#1311).
 */

export interface StandinApp {
  appId: string;
  installationId: string;
  publicKeyPem: string;
  /** The organisation the App is installed on. */
  account: string;
  /** Default all of the account's repositories. */
  repositories?: Installation["repositories"];
  /** Default organization_self_hosted_runners: write. */
  permissions?: Installation["permissions"];
}

export interface Answer {
  status: number;
  body: unknown;
}

const DOCS = "https://docs.github.com/rest";
export const EXCHANGE_NOT_FOUND = { message: "Not Found", documentation_url: DOCS, status: "404" };

export class ScopeAuth<W extends { scope: StandinScope }> {
  private readonly registrationTokens = new Map<string, { world: W; expires: number }>();
  private readonly installationTokens = new Map<string, Installation>();

  constructor(
    private readonly o: {
      apps: StandinApp[];
      /** Personal access tokens of an admin of every declared scope. */
      githubTokens: string[];
      /** The GitHub instance's host (github.com, or the GHES's address). */
      host: () => string;
      worlds: ReadonlyMap<string, W>;
      /** The world of a config URL on this GitHub, if declared. */
      worldOf: (configUrl: string) => W | undefined;
      /** The admin connection of a world: its tenant URL and a fresh admin token. */
      connect: (world: W) => { url: string; token: string };
    },
  ) {}

  /** Answers the GitHub-side routes; undefined for any other path. */
  handle(method: string, path: string, auth: string, body: unknown): Answer | undefined {
    const m = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (m) return method === "POST" ? this.installationToken(m[1]!, auth) : { status: 405, body: { message: "POST only" } };
    const r = /^\/api\/v3\/((?:orgs\/[^/]+)|(?:repos\/[^/]+\/[^/]+)|(?:enterprises\/[^/]+))\/actions\/runners\/registration-token$/.exec(path);
    if (r) return method === "POST" ? this.registrationToken(r[1]!, auth) : { status: 405, body: { message: "POST only" } };
    if (path === "/api/v3/actions/runner-registration") return method === "POST" ? this.exchange(auth, body) : { status: 405, body: { message: "POST only" } };
    return undefined;
  }

  private installationToken(installationId: string, auth: string): Answer {
    // Auth schemes are case-insensitive (RFC 9110); @octokit/auth-app sends "bearer".
    const jwt = /^bearer /i.test(auth) ? auth.slice(7).split(".") : [];
    const app = this.o.apps.find((a) => a.installationId === installationId);
    const undecodable = { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: DOCS } };
    if (jwt.length !== 3 || !app) return undecodable;
    const claims = JSON.parse(Buffer.from(jwt[1]!, "base64url").toString("utf8")) as { iss?: unknown; exp?: number; iat?: number };
    const head = JSON.parse(Buffer.from(jwt[0]!, "base64url").toString("utf8")) as { alg?: string };
    const signed = verify("RSA-SHA256", Buffer.from(`${jwt[0]}.${jwt[1]}`), createPublicKey(app.publicKeyPem), Buffer.from(jwt[2]!, "base64url"));
    if (head.alg !== "RS256" || !signed || String(claims.iss) !== app.appId) return undecodable;
    const problem = appJwtClaimsProblem(claims, Math.floor(Date.now() / 1000));
    if (problem) return { status: 401, body: { message: problem, documentation_url: DOCS } };
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    const installation: Installation = { account: app.account, repositories: app.repositories ?? "all", permissions: app.permissions ?? { organization_self_hosted_runners: "write" } };
    this.installationTokens.set(token, installation);
    return { status: 201, body: { token, expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: installation.permissions, repository_selection: installation.repositories === "all" ? "all" : "selected" } };
  }

  private registrationToken(route: string, auth: string): Answer {
    const bearer = /^bearer /i.test(auth) ? auth.slice(7) : "";
    const installation = this.installationTokens.get(bearer);
    if (!this.o.githubTokens.includes(bearer) && !installation) return { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } };
    const scope = scopeOfRoute(this.o.host(), route);
    if (installation && scope) {
      if (scope.kind === "enterprise") return { status: 403, body: { message: "Resource not accessible by integration", documentation_url: DOCS } };
      const template = scope.kind === "organization" ? "/orgs/{org}/actions/runners/registration-token" : "/repos/{owner}/{repo}/actions/runners/registration-token";
      const params: Record<string, string> = scope.kind === "organization" ? { org: scope.org } : { owner: scope.org, repo: scope.repo };
      const access = installationScope(installation, "POST", template, params);
      if (!access.ok) return { status: access.status, body: { message: access.message, documentation_url: DOCS } };
    }
    const world = scope && this.o.worlds.get(scope.key);
    if (!world) return { status: 404, body: { message: "Not Found", documentation_url: DOCS } };
    const token = `AREG${randomBytes(12).toString("hex").toUpperCase()}`;
    this.registrationTokens.set(token, { world, expires: Date.now() + 3_600_000 });
    return { status: 201, body: { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() } };
  }

  private exchange(auth: string, body: unknown): Answer {
    const reg = auth.startsWith("RemoteAuth ") ? this.registrationTokens.get(auth.slice(11)) : undefined;
    if (!reg || reg.expires < Date.now()) return { status: 401, body: { message: "RemoteAuth registration token required" } };
    const b = body as { url?: unknown; runner_event?: unknown } | undefined;
    if (!b || b.runner_event !== "register" || typeof b.url !== "string") return { status: 400, body: { message: "url and runner_event: register required" } };
    // An unknown URL, or a token issued for another scope.
    if (this.o.worldOf(b.url) !== reg.world) return { status: 404, body: EXCHANGE_NOT_FOUND };
    return { status: 201, body: this.o.connect(reg.world) };
  }
}
