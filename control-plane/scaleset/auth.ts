import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";

/** The GitHub credential's shape (components/secrets/github-secret-data.ts); read elsewhere, passed in. */
export type ScaleSetCredential = { kind: "app"; appId: string | number; installationId: string | number; privateKey: string } | { kind: "token"; token: string };

/**
 * The token the registration-token call takes: the PAT as is, or a GitHub App installation token
 * (@octokit/auth-app caches it and mints a new one before it expires, so calling this per admin
 * connection is cheap).
 */
export function githubTokenSource(credential: ScaleSetCredential, apiUrl: string, fetchImpl: typeof fetch = fetch): () => Promise<string> {
  if (credential.kind === "token") {
    const token = credential.token;
    return async () => token;
  }
  const auth = createAppAuth({
    appId: credential.appId,
    privateKey: credential.privateKey,
    installationId: credential.installationId,
    request: new Octokit({ baseUrl: apiUrl.replace(/\/+$/, ""), request: { fetch: fetchImpl } }).request,
  });
  return async () => (await auth({ type: "installation" })).token;
}
