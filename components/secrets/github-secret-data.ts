import type { GithubCredentialValue } from "../../config/credentials";

/** The data keys the scale-set chart reads from a pre-created githubConfigSecret. */
export function githubSecretData(cred: GithubCredentialValue): Record<string, string> {
  return cred.kind === "token"
    ? { github_token: cred.token }
    : { github_app_id: cred.appId, github_app_installation_id: cred.installationId, github_app_private_key: cred.privateKey };
}
