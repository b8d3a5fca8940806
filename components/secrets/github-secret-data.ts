/** The credential as the program holds it; the private key or token only ever inside a secret Output. */
export type GithubCredentialValue =
  | { kind: "token"; token: string }
  | { kind: "app"; appId: string; installationId: string; privateKey: string };

/** The data keys the scale-set chart reads from a pre-created githubConfigSecret. */
export function githubSecretData(cred: GithubCredentialValue): Record<string, string> {
  return cred.kind === "token"
    ? { github_token: cred.token }
    : { github_app_id: cred.appId, github_app_installation_id: cred.installationId, github_app_private_key: cred.privateKey };
}
