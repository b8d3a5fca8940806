import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";

export function instanceLabels(set: RunnerSetModel, inst: ScaleSetInstance): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "runner-fleet",
    "runner-fleet/runner-set": set.name,
    "runner-fleet/instance": String(inst.index),
  };
}
