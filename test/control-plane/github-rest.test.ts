import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../control-plane/aws/log";
import { parseCredential } from "../../control-plane/github/credential";
import { createGitHubRest, deleteRunner, listRunners, runnerScope, ScopeNotVisible } from "../../control-plane/github/rest";
import { GitHubOpenApi } from "../standins/openapi";
import { GitHubStandIn } from "../standins/github-rest";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const TOKEN = "ghp_CANARYrestCANARYrest0123456789abcdef";

describe("GitHub REST client against the OpenAPI-checked stand-in", () => {
  const api = new GitHubOpenApi();
  // The App is installed on my-org with the one permission the control plane asks for (README).
  const gh = new GitHubStandIn(api, { token: TOKEN, app: { appId: "123", installationId: "456", privateKeyPem: PEM, installation: { account: "my-org", repositories: "all", permissions: { organization_self_hosted_runners: "write" } } } });
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l));

  beforeAll(async () => {
    await gh.start();
    for (let i = 0; i < 130; i++) gh.addRunner("my-org", `r-${i}`);
    gh.addRunner("owner/repo", "repo-runner");
  });
  afterAll(async () => {
    await gh.stop();
    expect(gh.violations).toEqual([]);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });

  const tokenClient = () => createGitHubRest(parseCredential(JSON.stringify({ kind: "token", token: TOKEN }), "arn:x"), { baseUrl: gh.baseUrl, log, retryAfterUnitMs: 5 });

  it("lists every page of an organisation's runners and a repository's", async () => {
    const all = await listRunners(tokenClient(), runnerScope("https://github.com/my-org"));
    expect(all).toHaveLength(130);
    expect(new Set(all.map((r) => r.name)).size).toBe(130);
    expect(gh.requests.filter((r) => r.path === "/orgs/my-org/actions/runners")).toHaveLength(2);
    expect((await listRunners(tokenClient(), runnerScope("https://github.com/owner/repo"))).map((r) => r.name)).toEqual(["repo-runner"]);
  });

  it("authenticates as an App: RS256 JWT for an installation token, then the token", async () => {
    const client = createGitHubRest(parseCredential(JSON.stringify({ kind: "app", appId: "123", installationId: "456", privateKey: PEM }), "arn:x"), { baseUrl: gh.baseUrl, log, retryAfterUnitMs: 5 });
    const n = gh.requests.length;
    const runners = await listRunners(client, runnerScope("https://github.com/my-org"));
    expect(runners).toHaveLength(130);
    expect(gh.requests.slice(n).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["POST /app/installations/456/access_tokens 201", "GET /orgs/my-org/actions/runners 200", "GET /orgs/my-org/actions/runners 200"]);
  });

  it("holds an installation token to its installation: another account is 404, a missing permission 403, and the reaper's delete says which 404 it got", async () => {
    const app = (installation: { account: string; repositories: "all" | string[]; permissions: Record<string, "read" | "write"> }) => {
      const s = new GitHubStandIn(api, { app: { appId: "123", installationId: "456", privateKeyPem: PEM, installation } });
      return s;
    };
    const client = (s: GitHubStandIn) => createGitHubRest(parseCredential(JSON.stringify({ kind: "app", appId: "123", installationId: "456", privateKey: PEM }), "arn:x"), { baseUrl: s.baseUrl, log, retryAfterUnitMs: 5 });
    const orgOnly = app({ account: "owner", repositories: "all", permissions: { organization_self_hosted_runners: "write" } });
    const otherRepo = app({ account: "owner", repositories: ["other"], permissions: { administration: "write" } });
    const repoAdmin = app({ account: "owner", repositories: ["repo"], permissions: { administration: "write" } });
    for (const s of [orgOnly, otherRepo, repoAdmin]) {
      await s.start();
      s.addRunner("owner/repo", "repo-runner");
    }
    try {
      const repo = runnerScope("https://github.com/owner/repo");
      // Org runner permission only: repository runner routes need administration.
      await expect(listRunners(client(orgOnly), repo)).rejects.toMatchObject({ status: 403 });
      // A repository the installation does not cover: GitHub's 404, and the delete does not call it "gone".
      await expect(listRunners(client(otherRepo), repo)).rejects.toMatchObject({ status: 404 });
      const err = await deleteRunner(client(otherRepo), repo, 5000).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ScopeNotVisible);
      expect((err as Error).message).toMatch(/owner\/repo .*outside the App installation/);
      expect(otherRepo.runners.get("owner/repo")).toHaveLength(1);
      // Another account entirely: 404 too.
      await expect(listRunners(client(repoAdmin), runnerScope("https://github.com/my-org"))).rejects.toMatchObject({ status: 404 });
      // Covered and permitted: listed, deleted, then gone.
      const [r] = await listRunners(client(repoAdmin), repo);
      expect(await deleteRunner(client(repoAdmin), repo, r!.id)).toBe("deleted");
      expect(await deleteRunner(client(repoAdmin), repo, r!.id)).toBe("gone");
      for (const s of [orgOnly, otherRepo, repoAdmin]) expect(s.violations).toEqual([]);
    } finally {
      for (const s of [orgOnly, otherRepo, repoAdmin]) await s.stop();
    }
  });

  it("waits out secondary rate limits (403 and 429 with Retry-After)", async () => {
    gh.faults.push({ route: /^GET \/repos\/owner\/repo\/actions\/runners$/, kind: "secondary-403", retryAfter: 1, times: 1 });
    gh.faults.push({ route: /^GET \/repos\/owner\/repo\/actions\/runners$/, kind: "secondary-429", retryAfter: 1, times: 1 });
    const n = gh.requests.length;
    const got = await listRunners(tokenClient(), runnerScope("https://github.com/owner/repo"));
    expect(got).toHaveLength(1);
    expect(gh.requests.slice(n).map((r) => r.status)).toEqual([403, 429, 200]);
    expect(lines.filter((l) => l.includes("secondary rate limit")).length).toBeGreaterThanOrEqual(1);
  });

  it("gives up when GitHub asks to wait longer than a run may", async () => {
    gh.faults.push({ route: /^GET \/repos\/owner\/repo\/actions\/runners$/, kind: "secondary-403", retryAfter: 3600, times: 1 });
    await expect(listRunners(tokenClient(), runnerScope("https://github.com/owner/repo"))).rejects.toMatchObject({ status: 403 });
  });

  it("deletes a runner; an unknown one counts as gone; a busy one is refused by GitHub", async () => {
    const scope = runnerScope("https://github.com/my-org");
    const r = gh.addRunner("my-org", "to-delete");
    expect(await deleteRunner(tokenClient(), scope, r.id)).toBe("deleted");
    expect(gh.runners.get("my-org")!.some((x) => x.id === r.id)).toBe(false);
    expect(await deleteRunner(tokenClient(), scope, r.id)).toBe("gone");
    const busy = gh.addRunner("my-org", "busy", { busy: true });
    await expect(deleteRunner(tokenClient(), scope, busy.id)).rejects.toMatchObject({ status: 422 });
  });

  it("the stand-in refuses what the OpenAPI description does not allow", async () => {
    const before = gh.violations.length;
    const res = await fetch(`${gh.baseUrl}/orgs/my-org/actions/runners?per_page=500`, { headers: { authorization: `token ${TOKEN}` } });
    expect(res.status).toBe(422);
    const res2 = await fetch(`${gh.baseUrl}/orgs/my-org/actions/runner-things`, { headers: { authorization: `token ${TOKEN}` } });
    expect(res2.status).toBe(404);
    expect(gh.violations.length).toBe(before + 2);
    gh.violations.splice(before, 2);
  });

  it("reads scopes from pool URLs", () => {
    expect(runnerScope("https://github.com/enterprises/acme")).toEqual({ kind: "enterprise", enterprise: "acme" });
    expect(runnerScope("https://ghe.example/org")).toEqual({ kind: "org", org: "org" });
    expect(() => runnerScope("https://github.com/")).toThrow();
  });
});
