import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as k8s from "@pulumi/kubernetes";
import type { GithubCredentialValue } from "../../config/credentials";
import { githubSecretData } from "./github-secret-data";

export interface GithubCredentialsArgs {
  namespace: pulumi.Input<string>;
  /** Must be a secret Output; the component keeps it one. */
  credential: pulumi.Output<GithubCredentialValue>;
  secretName: string;
}

/** The Kubernetes Secret scale sets name as githubConfigSecret, so no chart value ever holds a credential. */
export class GithubCredentials extends pulumi.ComponentResource {
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: GithubCredentialsArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("GithubCredentials", opts);
    super(type, name, {}, options);
    const secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: {
          name: args.secretName,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": "runner-fleet", "app.kubernetes.io/component": "github-credentials" },
        },
        type: "Opaque",
        stringData: pulumi.secret(args.credential.apply(githubSecretData)),
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
