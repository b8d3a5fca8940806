import { githubTokenSource, type ScaleSetCredential } from "./auth";
import { parseGithubConfig } from "./github-config";
import { HttpScaleSetClient, type ScaleSetClientOptions } from "./client";

/**
 * The client for one pool's scale set: its GitHub URL, the fleet's REST API root (overridable for
 * tests) and the credential. One client per (URL, credential) keeps the admin token between calls.
 */
export function createScaleSetClient(
  githubUrl: string,
  /** REST root; undefined derives it from the URL (api.github.com, *.ghe.com, <host>/api/v3). */
  githubApiUrl: string | undefined,
  credential: ScaleSetCredential,
  opts: Omit<ScaleSetClientOptions, "githubConfigUrl" | "apiUrl" | "githubToken"> = {},
): HttpScaleSetClient {
  const apiUrl = githubApiUrl ?? parseGithubConfig(githubUrl).apiUrl;
  return new HttpScaleSetClient({
    ...opts,
    githubConfigUrl: githubUrl,
    apiUrl,
    githubToken: githubTokenSource(credential, apiUrl, opts.http?.fetch ?? fetch),
  });
}
