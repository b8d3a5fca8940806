import { createAppAuth } from "@octokit/auth-app";
import { request } from "@octokit/request";
import { redactor } from "../aws/log";
import type { GitHubCredential } from "./credential";

/**
 * A GitHub token for clients that take a bearer token rather than an Octokit (the scale-set
 * client's registration-token call): the stored token as it is, or an App installation token that
 * @octokit/auth-app mints from an RS256 JWT and caches until shortly before it expires.
 */
export function githubTokenSource(credential: () => Promise<GitHubCredential>, baseUrl: string): () => Promise<string> {
  const apps = new WeakMap<GitHubCredential, ReturnType<typeof createAppAuth>>();
  return async () => {
    const cred = await credential();
    if (cred.kind === "token") return cred.token;
    let auth = apps.get(cred);
    if (!auth) {
      auth = createAppAuth({
        appId: cred.appId,
        privateKey: cred.privateKey,
        installationId: cred.installationId,
        request: request.defaults({ baseUrl: baseUrl.replace(/\/+$/, ""), headers: { "user-agent": "runner-fleet-control-plane" } }),
      });
      apps.set(cred, auth);
    }
    const { token } = await auth({ type: "installation" });
    redactor.add(token);
    return token;
  };
}
