import { CONTROLLER_RELEASE } from "../../config/names";
import { ARC_METRICS } from "./controller-values";

/**
 * What the Prometheus operator needs to scrape ARC, as plain manifests. The controller chart has no
 * Service for its metrics port, and listener pods are made by the controller with none at all, so:
 * a Service + ServiceMonitor for the controller, and a PodMonitor for every listener (selected by
 * the component label ARC's resource builder puts on them, port named "metrics").
 */
export interface MonitoringManifests {
  controllerService: Record<string, unknown>;
  controllerServiceMonitor: Record<string, unknown>;
  listenerPodMonitor: Record<string, unknown>;
}

/** Labels the controller chart puts on the controller pod (its selectorLabels helper). */
export function controllerPodSelector(namespace: string): Record<string, string> {
  return { "app.kubernetes.io/name": "gha-rs-controller", "app.kubernetes.io/namespace": namespace, "app.kubernetes.io/instance": CONTROLLER_RELEASE };
}

export const LISTENER_COMPONENT = { "app.kubernetes.io/component": "runner-scale-set-listener" } as const;

export function monitoringManifests(namespace: string): MonitoringManifests {
  const labels = { "app.kubernetes.io/part-of": "runner-fleet", "app.kubernetes.io/component": "arc-metrics" };
  const name = "arc-controller-metrics";
  return {
    controllerService: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace, labels },
      spec: { selector: controllerPodSelector(namespace), ports: [{ name: "metrics", port: ARC_METRICS.port, targetPort: "metrics", protocol: "TCP" }] },
    },
    controllerServiceMonitor: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name, namespace, labels },
      spec: { selector: { matchLabels: labels }, namespaceSelector: { matchNames: [namespace] }, endpoints: [{ port: "metrics", path: ARC_METRICS.path, interval: "30s" }] },
    },
    listenerPodMonitor: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "arc-listener-metrics", namespace, labels },
      spec: {
        selector: { matchLabels: { ...LISTENER_COMPONENT } },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{ port: "metrics", path: ARC_METRICS.path, interval: "30s" }],
      },
    },
  };
}
