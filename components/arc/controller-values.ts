import { CONTROLLER_SERVICE_ACCOUNT } from "../../config/names";
import type { ArcConfig } from "../../config/schema";

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
