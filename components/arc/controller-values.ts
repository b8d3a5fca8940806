import { CONTROLLER_SERVICE_ACCOUNT } from "../../config/names";
import type { ArcConfig } from "../../config/schema";
import { awayFromPrivileged, type NodeAffinity } from "./placement";

export interface ControllerValues {
  serviceAccount: { create: true; name: string };
  flags: { logLevel: string; logFormat: string };
  labels: Record<string, string>;
  affinity: NodeAffinity;
}

export function controllerValues(arc: ArcConfig): ControllerValues {
  return {
    serviceAccount: { create: true, name: CONTROLLER_SERVICE_ACCOUNT },
    flags: { logLevel: arc.logLevel, logFormat: arc.logFormat },
    labels: { "app.kubernetes.io/part-of": "runner-fleet" },
    affinity: awayFromPrivileged(),
  };
}
