import type { GitHubRateLimits } from "./rate-limits";
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GitHubOpenApi } from "./openapi";
import { appJwtClaimsProblem } from "./app-jwt";

/**
 * GitHub REST on 127.0.0.1 for the control plane's reaper and mirror. Every route it serves is an
 * operation of GitHub's OpenAPI description (@octokit/openapi); requests that do not fit the
 * operation are refused with 422 and recorded, responses are checked against the documented schema
 * for their status before they are sent (a mismatch is recorded and answered 500). Tests assert
 * `violations` is empty. Auth as GitHub does it: a personal token, or an App's RS256 JWT (iss =
 * app id, at most 10 minutes) exchanged for an installation token. An installation token is held
 * to its installation (installationScope below): another account's or an uncovered repository's
 * routes answer 404 as GitHub does for what a credential cannot see, a route whose permission the
 * installation lacks answers 403 "Resource not accessible by integration".
 */

export interface StandInRunner {
  id: number;
  name: string;
  os: string;
  status: "online" | "offline";
  busy: boolean;
  labels: { id: number; name: string; type: "read-only" | "custom" }[];
}

export interface StandInAsset {
  name: string;
  bytes: Buffer;
  /** Published digest; defaults to the real sha256 of `bytes`. null: GitHub published none. */
  digest?: string | null;
}

export interface StandInRelease {
  tag: string;
  publishedAt: string;
  assets: StandInAsset[];
}

/** Faults GitHub really answers with, for the next `times` requests matching `route`. */
export interface Fault {
  route: RegExp;
  kind: "secondary-403" | "secondary-429" | "server-500";
  retryAfter?: number;
  times: number;
}

/** What an App installation covers: the account it is installed on, its repositories, its permissions. */
export interface Installation {
  account: string;
  /** "all" of the account's repositories, or the selected ones (repository names without owner). */
  repositories: "all" | string[];
  permissions: Record<string, "read" | "write">;
}

export interface GitHubStandInOptions {
  token?: string;
  app?: { appId: string; installationId: string; privateKeyPem: string; installation?: Installation };
  /** GitHub's documented limits on every API request (test/standins/rate-limits.ts); off unless given. */
  rateLimits?: GitHubRateLimits;
}

/**
 * The permission each served route needs from an installation token. @octokit/openapi's operations
 * carry no permission field (x-github has category and enabledForGitHubApps only), so this is from
 * GitHub's REST reference, "Fine-grained access tokens for …" of each endpoint
 * (docs.github.com/rest/actions/self-hosted-runners): organisation runners need
 * organization_self_hosted_runners (read to list, write to delete), repository runners need
 * administration (read to list, write to delete). releases/latest reads a public repository.
 */
const ROUTE_PERMISSIONS: Record<string, Partial<Record<string, [string, "read" | "write"]>>> = {
  "/orgs/{org}/actions/runners": { GET: ["organization_self_hosted_runners", "read"] },
  "/orgs/{org}/actions/runners/{runner_id}": { GET: ["organization_self_hosted_runners", "read"], DELETE: ["organization_self_hosted_runners", "write"] },
  "/repos/{owner}/{repo}/actions/runners": { GET: ["administration", "read"] },
  "/repos/{owner}/{repo}/actions/runners/{runner_id}": { GET: ["administration", "read"], DELETE: ["administration", "write"] },
  // Served by the scale-set stand-in (test/standins/scaleset-server.ts), held to the same rule.
  "/orgs/{org}/actions/runners/registration-token": { POST: ["organization_self_hosted_runners", "write"] },
  "/repos/{owner}/{repo}/actions/runners/registration-token": { POST: ["administration", "write"] },
};

type Access = { ok: true } | { ok: false; status: 403 | 404; message: string };

/** Whether an installation token may use a route on these parameters, as GitHub decides it. */
export function installationScope(inst: Installation, method: string, template: string, params: Record<string, string>): Access {
  if (template === "/repos/{owner}/{repo}/releases/latest") return { ok: true };
  const account = params.org ?? params.owner;
  if (account === undefined || account.toLowerCase() !== inst.account.toLowerCase()) return { ok: false, status: 404, message: "Not Found" };
  if (params.repo !== undefined && inst.repositories !== "all" && !inst.repositories.some((r) => r.toLowerCase() === params.repo!.toLowerCase())) {
    return { ok: false, status: 404, message: "Not Found" };
  }
  const need = ROUTE_PERMISSIONS[template]?.[method];
  if (!need) return { ok: false, status: 403, message: "Resource not accessible by integration" };
  const has = inst.permissions[need[0]];
  if (!has || (need[1] === "write" && has !== "write")) return { ok: false, status: 403, message: "Resource not accessible by integration" };
  return { ok: true };
}

const GITHUB_WIDE = new Set([401, 403, 404, 429, 500]);

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }), "x-github-api-version-selected": "2022-11-28", ...headers });
  res.end(text);
}

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

const user = (base: string) => ({
  login: "github-actions[bot]",
  id: 41898282,
  node_id: "MDM6Qm90NDE4OTgyODI=",
  avatar_url: "https://avatars.githubusercontent.com/in/15368?v=4",
  gravatar_id: "",
  url: `${base}/users/github-actions%5Bbot%5D`,
  html_url: "https://github.com/apps/github-actions",
  followers_url: `${base}/users/x/followers`,
  following_url: `${base}/users/x/following{/other_user}`,
  gists_url: `${base}/users/x/gists{/gist_id}`,
  starred_url: `${base}/users/x/starred{/owner}{/repo}`,
  subscriptions_url: `${base}/users/x/subscriptions`,
  organizations_url: `${base}/users/x/orgs`,
  repos_url: `${base}/users/x/repos`,
  events_url: `${base}/users/x/events{/privacy}`,
  received_events_url: `${base}/users/x/received_events`,
  type: "Bot",
  site_admin: false,
});

export class GitHubStandIn {
  readonly violations: string[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  readonly runners = new Map<string, StandInRunner[]>();
  readonly faults: Fault[] = [];
  release?: StandInRelease;
  /** Download requests fail (GitHub unreachable for the asset CDN). */
  downloadsDown = false;
  private readonly tokens = new Set<string>();
  /** Installation tokens, with what their installation covers. */
  private readonly installationTokens = new Map<string, Installation>();
  private readonly appKey?: KeyObject;
  private server?: Server;
  private nextRunnerId = 5000;
  baseUrl = "";

  constructor(
    private readonly api: GitHubOpenApi,
    private readonly opts: GitHubStandInOptions,
  ) {
    if (opts.token) this.tokens.add(opts.token);
    if (opts.app) this.appKey = createPublicKey(opts.app.privateKeyPem);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((e: unknown) => {
        this.violations.push(`stand-in error: ${(e as Error).message}`);
        if (!res.headersSent) json(res, 500, { message: "stand-in error" });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addRunner(scope: string, name: string, over: Partial<StandInRunner> = {}): StandInRunner {
    const r: StandInRunner = { id: this.nextRunnerId++, name, os: "linux", status: "online", busy: false, labels: [{ id: 1, name: "self-hosted", type: "read-only" }], ...over };
    const list = this.runners.get(scope) ?? [];
    list.push(r);
    this.runners.set(scope, list);
    return r;
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  private authorised(req: IncomingMessage): boolean {
    const t = this.bearer(req);
    return t !== undefined && (this.tokens.has(t) || this.installationTokens.has(t));
  }

  private bearer(req: IncomingMessage): string | undefined {
    return /^(?:token|bearer) (\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  }

  /** An App JWT as GitHub checks it: RS256 by the app's key, iss = app id, not expired, at most 10 minutes long. */
  private appJwtOk(req: IncomingMessage): string | undefined {
    const m = /^bearer (\S+)$/i.exec(req.headers.authorization ?? "");
    if (!m || !this.appKey || !this.opts.app) return "no JWT";
    const [h, p, s] = m[1]!.split(".");
    if (!h || !p || !s) return "not a JWT";
    const header = JSON.parse(b64url(h).toString()) as { alg?: string };
    if (header.alg !== "RS256") return "alg is not RS256";
    if (!verify("RSA-SHA256", Buffer.from(`${h}.${p}`), this.appKey, b64url(s))) return "bad signature";
    const claims = JSON.parse(b64url(p).toString()) as { iss?: unknown; iat?: number; exp?: number };
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== this.opts.app.appId) return "iss is not the app id";
    return appJwtClaimsProblem(claims, now);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const f = this.faults.find((x) => x.times > 0 && x.route.test(`${method} ${path}`));
    if (f) f.times--;
    return f;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const method = req.method ?? "GET";
    const finish = (status: number) => this.requests.push({ method, path: url.pathname, status });

    // Release downloads come from github.com (browser_download_url), not the API: no auth, redirect to the asset store.
    const dl = /^\/actions\/runner\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (method === "GET" && dl) {
      if (this.downloadsDown) {
        finish(503);
        return json(res, 503, { message: "unavailable" });
      }
      finish(302);
      res.writeHead(302, { location: `${this.baseUrl}/release-assets/${dl[1]}/${dl[2]}` });
      return void res.end();
    }
    const blob = /^\/release-assets\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (method === "GET" && blob) {
      if (req.headers.authorization) this.violations.push("the asset store got an Authorization header");
      const asset = this.release?.tag === blob[1] ? this.release.assets.find((a) => a.name === blob[2]) : undefined;
      finish(asset ? 200 : 404);
      if (!asset) return json(res, 404, { message: "Not Found" });
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(asset.bytes.length) });
      return void res.end(asset.bytes);
    }

    if (this.opts.rateLimits) {
      const admitted = this.opts.rateLimits.enter(method, url.pathname);
      if (!admitted.ok) {
        finish(admitted.status);
        return json(res, admitted.status, admitted.body, admitted.headers);
      }
      res.on("close", admitted.leave);
    }

    const route = this.api.match(method, url.pathname);
    if (!route) {
      this.violations.push(`${method} ${url.pathname} is no operation in GitHub's OpenAPI description`);
      finish(404);
      return json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    }
    const raw = await this.readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        body = raw.toString("utf8");
      }
    }
    const problems = this.api.requestProblems(method, route.template, route.params, url.searchParams, body);
    if (problems.length > 0) {
      this.violations.push(`${method} ${route.template}: ${problems.join("; ")}`);
      finish(422);
      return json(res, 422, { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" });
    }

    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      const retryAfter = String(fault.retryAfter ?? 1);
      // Secondary limits: 403 or 429 with Retry-After while the primary budget is not spent.
      const limited = { "retry-after": retryAfter, "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4990", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) };
      const message = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" };
      finish(fault.kind === "secondary-403" ? 403 : fault.kind === "secondary-429" ? 429 : 500);
      if (fault.kind === "server-500") return json(res, 500, { message: "Server Error" });
      return json(res, fault.kind === "secondary-403" ? 403 : 429, message, limited);
    }

    const send = (status: number, out: unknown, headers: Record<string, string> = {}) => {
      const issues = GITHUB_WIDE.has(status) && !route.operation.responses[String(status)] ? [] : this.api.responseProblems(method, route.template, status, out);
      if (issues.length > 0) {
        this.violations.push(`${method} ${route.template} ${status}: ${issues.join("; ")}`);
        finish(500);
        return json(res, 500, { message: "stand-in answered off-schema" });
      }
      finish(status);
      json(res, status, out, headers);
    };

    if (route.template === "/app/installations/{installation_id}/access_tokens") {
      const why = this.appJwtOk(req);
      if (why) return send(401, { message: `A JSON web token could not be decoded (${why})`, documentation_url: "https://docs.github.com/rest" });
      if (route.params.installation_id !== this.opts.app!.installationId) return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      const token = `ghs_${randomBytes(18).toString("hex")}`;
      const inst = this.opts.app!.installation ?? { account: "my-org", repositories: "all", permissions: { organization_self_hosted_runners: "write" } };
      this.installationTokens.set(token, inst);
      return send(201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z"), permissions: inst.permissions, repository_selection: inst.repositories === "all" ? "all" : "selected" });
    }

    if (!this.authorised(req)) return send(401, { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" });
    const installation = this.installationTokens.get(this.bearer(req)!);
    if (installation) {
      const access = installationScope(installation, method, route.template, route.params);
      if (!access.ok) return send(access.status, { message: access.message, documentation_url: "https://docs.github.com/rest" });
    }

    switch (route.template) {
      case "/orgs/{org}/actions/runners":
      case "/repos/{owner}/{repo}/actions/runners": {
        const scope = route.params.org ?? `${route.params.owner}/${route.params.repo}`;
        const all = (this.runners.get(scope) ?? []).filter((r) => !url.searchParams.get("name") || r.name === url.searchParams.get("name"));
        const perPage = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set("page", String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return send(200, { total_count: all.length, runners: slice }, headers);
      }
      case "/orgs/{org}/actions/runners/{runner_id}":
      case "/repos/{owner}/{repo}/actions/runners/{runner_id}": {
        if (method !== "DELETE") break;
        const scope = route.params.org ?? `${route.params.owner}/${route.params.repo}`;
        const list = this.runners.get(scope) ?? [];
        const r = list.find((x) => x.id === Number(route.params.runner_id));
        if (!r) return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
        if (r.busy) return send(422, { message: `Bad request - Runner "${r.name}" is still running a job"`, documentation_url: "https://docs.github.com/rest" });
        list.splice(list.indexOf(r), 1);
        return send(204, undefined);
      }
      case "/repos/{owner}/{repo}/releases/latest": {
        const rel = this.release;
        if (!rel || `${route.params.owner}/${route.params.repo}` !== "actions/runner") return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
        return send(200, this.releaseBody(rel));
      }
    }
    this.violations.push(`${method} ${route.template} is documented but not served by the stand-in`);
    finish(501);
    json(res, 501, { message: "not served by the stand-in" });
  }

  private releaseBody(rel: StandInRelease): unknown {
    const base = this.baseUrl;
    const api = `${base}/repos/actions/runner`;
    return {
      url: `${api}/releases/1`,
      html_url: `https://github.com/actions/runner/releases/tag/${rel.tag}`,
      assets_url: `${api}/releases/1/assets`,
      upload_url: `https://uploads.github.com/repos/actions/runner/releases/1/assets{?name,label}`,
      tarball_url: `${api}/tarball/${rel.tag}`,
      zipball_url: `${api}/zipball/${rel.tag}`,
      id: 1,
      node_id: "RE_1",
      tag_name: rel.tag,
      target_commitish: "main",
      name: rel.tag,
      body: "release notes",
      draft: false,
      prerelease: false,
      immutable: true,
      created_at: rel.publishedAt,
      published_at: rel.publishedAt,
      updated_at: rel.publishedAt,
      author: user(base),
      assets: rel.assets.map((a, i) => ({
        url: `${api}/releases/assets/${100 + i}`,
        browser_download_url: `${base}/actions/runner/releases/download/${rel.tag}/${a.name}`,
        id: 100 + i,
        node_id: `RA_${i}`,
        name: a.name,
        label: "",
        state: "uploaded",
        content_type: "application/gzip",
        size: a.bytes.length,
        digest: a.digest === undefined ? `sha256:${createHash("sha256").update(a.bytes).digest("hex")}` : a.digest,
        download_count: 0,
        created_at: rel.publishedAt,
        updated_at: rel.publishedAt,
        uploader: user(base),
      })),
    };
  }
}
