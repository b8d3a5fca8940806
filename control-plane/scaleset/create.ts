import { githubTokenSource, type ScaleSetCredential } from "./auth";
import { HttpScaleSetClient, type ScaleSetClientOptions } from "./client";

/**
 * The client for one pool's scale set: its GitHub URL, the fleet's REST API root (overridable for
 * tests) and the credential. One client per (URL, credential) keeps the admin token between calls.
 */
export function createScaleSetClient(
  githubUrl: string,
  githubApiUrl: string,
  credential: ScaleSetCredential,
  opts: Omit<ScaleSetClientOptions, "githubConfigUrl" | "apiUrl" | "githubToken"> = {},
): HttpScaleSetClient {
  return new HttpScaleSetClient({
    ...opts,
    githubConfigUrl: githubUrl,
    apiUrl: githubApiUrl,
    githubToken: githubTokenSource(credential, githubApiUrl, opts.http?.fetch ?? fetch),
  });
}
