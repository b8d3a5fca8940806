import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as github from "@pulumi/github";
import type { RunnerGroupConfig } from "../../config/schema";

export interface RunnerGroupArgs {
  org: string;
  group: RunnerGroupConfig;
}

/** An organisation runner group: who may send jobs to the runners registered in it. */
export class RunnerGroup extends pulumi.ComponentResource {
  readonly groupName: pulumi.Output<string>;

  constructor(name: string, args: RunnerGroupArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("RunnerGroup", opts);
    super(type, name, {}, options);
    const g = args.group;
    const repoIds = [...g.repositories].sort().map((r) => github.getRepositoryOutput({ fullName: `${args.org}/${r}` }, { parent: this }).repoId);
    const group = new github.ActionsRunnerGroup(
      name,
      {
        name: g.name,
        visibility: g.visibility,
        ...(g.visibility === "selected" ? { selectedRepositoryIds: repoIds } : {}),
        restrictedToWorkflows: g.workflows !== undefined,
        ...(g.workflows ? { selectedWorkflows: g.workflows } : {}),
        allowsPublicRepositories: g.allowPublicRepositories,
      },
      { parent: this },
    );
    this.groupName = group.name;
    this.registerOutputs({ groupName: this.groupName });
  }
}
