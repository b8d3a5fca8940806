import * as pulumi from "@pulumi/pulumi";
import { fleetModel } from "../../config/model";
import { component } from "../types";
import type { GithubArgs, RunnerGroupArgs } from "./args";
import { composeGithub } from "./compose";
import { credentialIssues, credentialOutput, validated } from "./validate";

export interface GithubRunnerGroupsArgs {
  /** The organisation (or enterprise) and how to authenticate to it (auth `app` or `token`). */
  github: GithubArgs;
  /** The runner groups to make. */
  runnerGroups: RunnerGroupArgs[];
  /** A GitHub token allowed to administer the organisation's runner groups (with github.auth `token`). */
  githubToken?: pulumi.Input<string>;
  /** The GitHub App's private key, PEM (with github.auth `app`). */
  githubAppPrivateKey?: pulumi.Input<string>;
}

/**
 * Organisation runner groups, made through a GitHub provider authenticated with the fleet's
 * credential: which repositories and workflows may use each, and never public repositories unless
 * a group says so.
 */
export class GithubRunnerGroups extends pulumi.ComponentResource {
  /** Each group's name in GitHub, by its key. */
  public readonly runnerGroups: pulumi.Output<{ [key: string]: string }>;

  constructor(name: string, args: GithubRunnerGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    const creds = { ...(args.githubToken !== undefined ? { githubToken: args.githubToken } : {}), ...(args.githubAppPrivateKey !== undefined ? { githubAppPrivateKey: args.githubAppPrivateKey } : {}) };
    const cfg = validated("GithubRunnerGroups", name, { github: args.github, runnerGroups: args.runnerGroups }, credentialIssues(args.github?.auth ?? "", creds));
    const [type, options] = component("GithubRunnerGroups", opts);
    super(type, name, {}, options);
    const kind = cfg.github.auth === "app" ? "app" : "token";
    const made = composeGithub(fleetModel(cfg), credentialOutput(cfg, creds), kind, this);
    this.runnerGroups = pulumi.output(made.runnerGroups);
    this.registerOutputs({ runnerGroups: this.runnerGroups });
  }
}
