import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { arcGrafanaDashboard } from "../../components/arc/grafana-dashboard";
import { controllerPodSelector, LISTENER_COMPONENT, monitoringManifests } from "../../components/arc/monitoring";
import { CONTROLLER_RELEASE } from "../../config/names";
import { parseStackConfig } from "../../config/load";
import { runnerSetShares, summarise } from "../../tools/fleet-lib";
import { readStackFile, stackFileSource } from "../../tools/stack-file";
import { GRAFANA_FILE, grafanaText } from "../../tools/write-grafana";
import { REPO } from "../helpers/env";
import { canaries, renderConfig, renderRealStack } from "../helpers/render";

/** What ARC exports, read from its source at the pinned chart version (provenance inside the fixture). */
const ARC = JSON.parse(readFileSync(join(REPO, "test/fixtures/arc-metrics.json"), "utf8")) as {
  listener: { gauges: string[]; counters: string[]; histograms: string[] };
  controller: { gauges: string[] };
  pods: { listener: { label: [string, string]; port: string }; controller: { labels: Record<string, string>; port: string } };
};
const exported = new Set([
  ...ARC.listener.gauges,
  ...ARC.listener.counters,
  ...ARC.controller.gauges,
  // Prometheus histograms are scraped as these three series.
  ...ARC.listener.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

function queries(d: Record<string, unknown>): string[] {
  const panels = d["panels"] as { targets: { expr: string }[] }[];
  const vars = (d["templating"] as { list: { query?: unknown }[] }).list.map((v) => (typeof v.query === "object" && v.query ? (v.query as { query: string }).query : ""));
  return [...panels.flatMap((p) => p.targets.map((t) => t.expr)), ...vars.filter(Boolean)];
}

describe("ARC metrics", () => {
  it("the Grafana dashboard in docs/ is current and queries only metrics ARC's source exports", () => {
    expect(readFileSync(GRAFANA_FILE, "utf8"), "stale: run npm run docs:grafana").toBe(grafanaText());
    const names = queries(arcGrafanaDashboard()).flatMap((q) => q.match(/\bgha_[a-z_]+\b/g) ?? []);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(exported.has(n), `${n} is not a metric ARC exports`).toBe(true);
    // Each question the dashboard answers has its metric: waiting, runners, start-up time, cost per repository.
    for (const n of ["gha_assigned_jobs", "gha_running_jobs", "gha_busy_runners", "gha_job_startup_duration_seconds_bucket", "gha_job_execution_duration_seconds_sum"]) expect(names).toContain(n);
  });

  it("the check refuses a metric ARC does not export", () => {
    expect(exported.has("gha_waiting_jobs")).toBe(false);
    expect(exported.has("gha_job_startup_duration_seconds")).toBe(false);
  });

  it("the dashboard's panels sit on Grafana's 24-column grid without overlapping", () => {
    const cells = new Set<string>();
    for (const p of arcGrafanaDashboard()["panels"] as { gridPos: { x: number; y: number; w: number; h: number } }[]) {
      const g = p.gridPos;
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`)).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
  });

  it("scrape targets select the pods ARC labels, on the port it names", () => {
    const m = monitoringManifests("arc-systems");
    const podMonitor = m.listenerPodMonitor["spec"] as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    expect(podMonitor.selector.matchLabels).toEqual({ [ARC.pods.listener.label[0]]: ARC.pods.listener.label[1] });
    expect(podMonitor.selector.matchLabels).toEqual(LISTENER_COMPONENT);
    expect(podMonitor.podMetricsEndpoints[0]!.port).toBe(ARC.pods.listener.port);
    const svc = m.controllerService["spec"] as { selector: Record<string, string>; ports: { targetPort: string }[] };
    expect(svc.selector).toEqual({ ...ARC.pods.controller.labels, "app.kubernetes.io/namespace": "arc-systems", "app.kubernetes.io/instance": CONTROLLER_RELEASE });
    expect(svc.selector).toEqual(controllerPodSelector("arc-systems"));
    expect(svc.ports[0]!.targetPort).toBe(ARC.pods.controller.port);
    const sm = m.controllerServiceMonitor["spec"] as { selector: { matchLabels: Record<string, string> } };
    const svcLabels = (m.controllerService["metadata"] as { labels: Record<string, string> }).labels;
    for (const [k, v] of Object.entries(sm.selector.matchLabels)) expect(svcLabels[k]).toBe(v);
  });

  it("prod turns controller and listener metrics on; a stack that runs the Prometheus operator gets its monitors", async () => {
    const prod = await renderRealStack("prod", canaries());
    const release = prod.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs["chart"]).includes("controller"))!;
    expect((release.inputs["values"] as Record<string, unknown>)["metrics"]).toEqual({ controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" });
    expect(prod.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor")).toEqual([]);

    const file = readStackFile(REPO, "dev");
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(file.config)) {
      const key = k.replace(/^runner-fleet:/, "");
      if (file.secretKeys.includes(k)) continue;
      config[key] = (() => {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      })();
    }
    config["arc"] = { ...((config["arc"] as object | undefined) ?? {}), prometheusOperator: true };
    const dev = await renderConfig("dev", config, { githubToken: canaries().token });
    const types = dev.resources.map((r) => r.type);
    expect(types).toContain("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    expect(types).toContain("kubernetes:monitoring.coreos.com/v1:PodMonitor");
    expect(types.filter((t) => t === "kubernetes:core/v1:Service").length).toBeGreaterThan(0);
  }, 180_000);
});

describe("npm run fleet: runner sets' part of their nodes", () => {
  it("shares each arch's node groups out by runner capacity, beside the total, and says why kind costs nothing", () => {
    const file = readStackFile(REPO, "prod");
    const cfg = parseStackConfig(stackFileSource(file));
    const s = summarise(cfg, file, new Date("2026-12-01T00:00:00Z"));
    const sets = s.rows.filter((r) => r.kind === "runner set");
    expect(sets.length).toBeGreaterThan(0);
    for (const r of sets) expect(r.shareOfNodes).toBeGreaterThan(0);
    const share = runnerSetShares(cfg);
    const byArch = new Map<string, number>();
    for (const set of cfg.runnerSets) byArch.set(set.arch, (byArch.get(set.arch) ?? 0) + (share(set).shareOfNodes ?? 0));
    const groups = s.rows.filter((r) => r.kind === "node group");
    for (const [arch, total] of byArch) {
      const nodes = groups.filter((g) => g.arch === arch).reduce((n, g) => n + (g.monthly ?? 0), 0);
      expect(total).toBeCloseTo(nodes, 6);
    }
    const dev = readStackFile(REPO, "dev");
    const devSets = summarise(parseStackConfig(stackFileSource(dev)), dev, new Date()).rows.filter((r) => r.kind === "runner set");
    for (const r of devSets) expect(r.note).toMatch(/kind: local/);
  });
});

