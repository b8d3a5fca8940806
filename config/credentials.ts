import * as pulumi from "@pulumi/pulumi";
import type { GithubConfig } from "./schema";

/** The credential as the program holds it; the private key or token only ever inside a secret Output. */
export type GithubCredentialValue =
  | { kind: "token"; token: string }
  | { kind: "app"; appId: string; installationId: string; privateKey: string };

/** The GitHub credential from this stack's secret config, as one secret Output. Only read after validation. */
export function githubCredential(github: GithubConfig, config: pulumi.Config): pulumi.Output<GithubCredentialValue> {
  if (github.auth === "token") {
    return pulumi.secret(config.requireSecret("githubToken").apply((token): GithubCredentialValue => ({ kind: "token", token })));
  }
  if (github.auth === "platform") throw new Error("unreachable: a platform credential is read through the StackReference");
  const appId = github.appId ?? "";
  const installationId = github.installationId ?? "";
  return pulumi.secret(
    config.requireSecret("githubAppPrivateKey").apply((privateKey): GithubCredentialValue => ({ kind: "app", appId, installationId, privateKey })),
  );
}
