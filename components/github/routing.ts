import { ROUTE_JOB, routeJobYaml } from "../../config/affinity-routing";
import type { RunnerSetModel } from "../../config/model";

/** Actions variable names for a set: upper-case, `_` for `-`. */
export function routingVariableNames(set: RunnerSetModel): { instances: string; prefix: string } {
  const stem = `RUNNER_FLEET_${set.name.toUpperCase().replace(/-/g, "_")}`;
  return { instances: `${stem}_INSTANCES`, prefix: `${stem}_PREFIX` };
}

/** What the variables hold: the instance count and the scale-set name stem. */
export function routingVariables(set: RunnerSetModel): { name: string; value: string }[] {
  const names = routingVariableNames(set);
  return [
    { name: names.instances, value: String(set.instances.length) },
    { name: names.prefix, value: set.scaleSetBase },
  ];
}

/** The affinity `runs-on` with the stem read from the variables, so workflows never hard-code it. */
export function routingExpression(set: RunnerSetModel): string {
  const n = routingVariableNames(set);
  return `\${{ vars.${n.prefix} }}-\${{ needs.${ROUTE_JOB}.outputs.instance }}`;
}

/** The route job that goes with it, the instance count read from the variable too. */
export function routingRouteJob(set: RunnerSetModel): string {
  return routeJobYaml(`\${{ vars.${routingVariableNames(set).instances} }}`);
}
