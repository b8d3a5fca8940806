import * as pulumi from "@pulumi/pulumi";
import type { KeyIssue } from "../../config/errors";
import { component } from "../types";
import type { GithubArgs, HostPoolArgs } from "./args";
import { awsContext } from "../aws/aws-context";
import { awsTags, composeHostPools } from "./compose";
import type { HostPoolInfo } from "./outputs";
import { credentialIssues, credentialOutput, validated } from "./validate";

export interface Ec2RunnerPoolsArgs {
  /** Where the pools' runners register and how the control plane authenticates to GitHub (auth `app` or `token`). */
  github: GithubArgs;
  /** The EC2 host pools; each is a GitHub runner scale set served by the control plane. */
  hostPools: HostPoolArgs[];
  /** A customer KMS key for the credential in Secrets Manager; unset: the AWS-managed key. */
  credentialKmsKeyArn?: string;
  /** A GitHub token allowed to manage self-hosted runners (with github.auth `token`). Only the control plane's role can read it. */
  githubToken?: pulumi.Input<string>;
  /** The GitHub App's private key, PEM (with github.auth `app`). Only the control plane's role can read it. */
  githubAppPrivateKey?: pulumi.Input<string>;
}

/**
 * EC2 runner host pools with their control plane: the credential in Secrets Manager, the pool
 * bucket with the host agent, the control plane's functions (scale-set listener, JIT broker,
 * runner mirror, reaper) and one Auto Scaling group per pool. Hosts never see the credential.
 */
export class Ec2RunnerPools extends pulumi.ComponentResource {
  /** Each pool: its scale set, labels, size and Auto Scaling group. */
  public readonly hostPools: pulumi.Output<{ [key: string]: HostPoolInfo }>;
  /** The Secrets Manager secret holding the credential. */
  public readonly credentialSecretArn: pulumi.Output<string>;
  /** The JIT broker's function URL (AWS_IAM auth: only the pools' host roles may call it). */
  public readonly brokerUrl: pulumi.Output<string>;
  /** The control plane's log group. */
  public readonly logGroupName: pulumi.Output<string>;
  /** The pool bucket: runner mirror under runner/, agent bundles under agent/. */
  public readonly bucket: pulumi.Output<string>;

  constructor(name: string, args: Ec2RunnerPoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    const creds = { ...(args.githubToken !== undefined ? { githubToken: args.githubToken } : {}), ...(args.githubAppPrivateKey !== undefined ? { githubAppPrivateKey: args.githubAppPrivateKey } : {}) };
    const raw = { github: args.github, hostPools: args.hostPools, ...(args.credentialKmsKeyArn !== undefined ? { credentialKmsKeyArn: args.credentialKmsKeyArn } : {}) };
    const none: KeyIssue[] = (args.hostPools ?? []).length === 0 ? [{ path: ["hostPools"], message: "name at least one host pool" }] : [];
    const cfg = validated("Ec2RunnerPools", name, raw, [...none, ...credentialIssues(args.github?.auth ?? "", creds)]);
    const [type, options] = component("Ec2RunnerPools", opts);
    super(type, name, {}, options);
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const made = composeHostPools(cfg, credentialOutput(cfg, creds), undefined, project, stack, awsTags(project, stack, undefined), awsContext(), this);
    this.hostPools = pulumi.output(made.hostPools);
    this.credentialSecretArn = made.credentialSecretArn;
    this.brokerUrl = made.controlPlane.brokerUrl;
    this.logGroupName = made.controlPlane.logGroupName;
    this.bucket = made.controlPlane.bucket;
    this.registerOutputs({ hostPools: this.hostPools, credentialSecretArn: this.credentialSecretArn, brokerUrl: this.brokerUrl, logGroupName: this.logGroupName, bucket: this.bucket });
  }
}
