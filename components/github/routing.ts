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

/** The seed's affinity routing with N read from the variables, so workflows never hard-code it. */
export function routingExpression(set: RunnerSetModel): string {
  const n = routingVariableNames(set);
  return `\${{ vars.${n.prefix} }}-\${{ github.event.issue.number % fromJSON(vars.${n.instances}) + 1 }}`;
}
