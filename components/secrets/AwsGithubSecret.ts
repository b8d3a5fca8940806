import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import type { GithubCredentialValue } from "../../config/credentials";

export interface AwsGithubSecretArgs {
  /** Must be a secret Output; the component keeps it one. */
  credential: pulumi.Output<GithubCredentialValue>;
  secretName: string;
  kmsKeyArn?: string;
  tags: Record<string, string>;
}

/** The GitHub credential in Secrets Manager, once per stack: only the control plane's role reads it (hosts ask the broker for JIT configs instead). */
export class AwsGithubSecret extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: AwsGithubSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("AwsGithubSecret", opts);
    super(type, name, {}, options);
    const secret = new aws.secretsmanager.Secret(
      name,
      {
        name: args.secretName,
        description: "GitHub credential of runner-fleet host pools (read by the control plane's role only; hosts never hold it)",
        recoveryWindowInDays: 7,
        ...(args.kmsKeyArn ? { kmsKeyId: args.kmsKeyArn } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      name,
      { secretId: secret.id, secretString: pulumi.secret(args.credential.apply((c) => JSON.stringify(c))) },
      { parent: this },
    );
    this.arn = secret.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
