import type { GithubCredentialValue } from "../../config/credentials";

/** The owner (organisation or user) and API base for the GitHub provider, from a registration URL. */
export function githubProviderTarget(url: string): { owner: string; baseUrl?: string } {
  const u = new URL(url);
  const owner = u.pathname.split("/").filter(Boolean)[0] ?? "";
  return u.host === "github.com" ? { owner } : { owner, baseUrl: `https://${u.host}/api/v3/` };
}

/** Provider auth from the same credential the runners use: App auth, or a token. */
export function githubProviderAuth(c: GithubCredentialValue): { token?: string; appAuth?: { id: string; installationId: string; pemFile: string } } {
  return c.kind === "token" ? { token: c.token } : { appAuth: { id: c.appId, installationId: c.installationId, pemFile: c.privateKey } };
}
