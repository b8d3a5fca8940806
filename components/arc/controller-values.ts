import type { ArcConfig } from "../../stacks/schema";

/**
 * Named explicitly so every scale set can be told who its controller is: the scale-set chart would
 * otherwise `lookup` the controller Deployment in a live cluster, which fails in preview.
 */
export const CONTROLLER_SERVICE_ACCOUNT = "arc-gha-rs-controller";
export const CONTROLLER_RELEASE = "arc";

export interface ControllerValues {
  serviceAccount: { create: true; name: string };
  flags: { logLevel: string; logFormat: string };
  labels: Record<string, string>;
}

export function controllerValues(arc: ArcConfig): ControllerValues {
  return {
    serviceAccount: { create: true, name: CONTROLLER_SERVICE_ACCOUNT },
    flags: { logLevel: arc.logLevel, logFormat: arc.logFormat },
    labels: { "app.kubernetes.io/part-of": "runner-fleet" },
  };
}
