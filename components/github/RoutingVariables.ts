import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as github from "@pulumi/github";
import type { RunnerSetModel } from "../../config/model";
import { routingVariables } from "./routing";

/** A runner set's routing facts as Actions variables of its repository or organisation. */
export class RoutingVariables extends pulumi.ComponentResource {
  constructor(name: string, args: { set: RunnerSetModel }, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("RoutingVariables", opts);
    super(type, name, {}, options);
    const { set } = args;
    for (const v of routingVariables(set)) {
      const id = `${name}-${v.name.toLowerCase().replace(/_/g, "-")}`;
      if (set.scope.kind === "repo") {
        new github.ActionsVariable(id, { repository: set.scope.repo, variableName: v.name, value: v.value }, { parent: this });
      } else {
        new github.ActionsOrganizationVariable(id, { variableName: v.name, value: v.value, visibility: "all" }, { parent: this });
      }
    }
    this.registerOutputs({});
  }
}
