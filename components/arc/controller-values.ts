import { CONTROLLER_SERVICE_ACCOUNT } from "../../config/names";
import type { ArcConfig } from "../../config/schema";
import { awayFromPrivileged, type NodeAffinity } from "./placement";

export interface ControllerValues {
  serviceAccount: { create: true; name: string };
  flags: { logLevel: string; logFormat: string };
  labels: Record<string, string>;
  affinity: NodeAffinity;
  metrics?: { controllerManagerAddr: string; listenerAddr: string; listenerEndpoint: string };
}

/** Where the controller and every listener serve Prometheus metrics (the chart's commented example values). */
export const ARC_METRICS = { port: 8080, path: "/metrics" } as const;

export function controllerValues(arc: ArcConfig): ControllerValues {
  return {
    serviceAccount: { create: true, name: CONTROLLER_SERVICE_ACCOUNT },
    flags: { logLevel: arc.logLevel, logFormat: arc.logFormat },
    labels: { "app.kubernetes.io/part-of": "runner-fleet" },
    affinity: awayFromPrivileged(),
    // Without a metrics object the chart passes empty addresses, which turns metrics off in both.
    ...(arc.metrics ? { metrics: { controllerManagerAddr: `:${ARC_METRICS.port}`, listenerAddr: `:${ARC_METRICS.port}`, listenerEndpoint: ARC_METRICS.path } } : {}),
  };
}
