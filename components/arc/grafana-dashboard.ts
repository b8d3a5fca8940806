/**
 * A Grafana dashboard (JSON model, schemaVersion 39) over the metrics ARC's listeners and controller
 * export (names in test/fixtures/arc-metrics.json, read from ARC's source at the pinned chart
 * version). Committed as docs/arc-grafana-dashboard.json (`npm run docs:grafana`); a test fails when
 * the file is stale or a query names a metric ARC does not export.
 */
interface Panel {
  id: number;
  type: "timeseries" | "stat" | "table";
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: "${datasource}" };
  targets: { refId: string; expr: string; legendFormat: string }[];
}

const SCALE_SET = 'name=~"$scale_set", namespace=~"$namespace"';

function panel(id: number, title: string, description: string, at: [number, number, number, number], targets: [string, string][], type: Panel["type"] = "timeseries"): Panel {
  const [x, y, w, h] = at;
  return {
    id,
    type,
    title,
    description,
    gridPos: { x, y, w, h },
    datasource: { type: "prometheus", uid: "${datasource}" },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
  };
}

export function arcGrafanaDashboard(): Record<string, unknown> {
  const panels: Panel[] = [
    panel(1, "Jobs waiting for a runner", "Assigned to the set but not running yet: why is my job waiting.", [0, 0, 12, 8], [
      [`sum by (name) (gha_assigned_jobs{${SCALE_SET}}) - sum by (name) (gha_running_jobs{${SCALE_SET}})`, "{{name}}"],
    ]),
    panel(2, "Runners: busy, idle, desired", "What each set runs and what the listener asks for.", [12, 0, 12, 8], [
      [`sum by (name) (gha_busy_runners{${SCALE_SET}})`, "{{name}} busy"],
      [`sum by (name) (gha_idle_runners{${SCALE_SET}})`, "{{name}} idle"],
      [`sum by (name) (gha_desired_runners{${SCALE_SET}})`, "{{name}} desired"],
      [`sum by (name) (gha_max_runners{${SCALE_SET}})`, "{{name}} max"],
    ]),
    panel(3, "Job start-up time p95 (s)", "From the job being queued to its runner starting it.", [0, 8, 12, 8], [
      [`histogram_quantile(0.95, sum by (le, repository) (rate(gha_job_startup_duration_seconds_bucket{repository=~"$repository"}[$__rate_interval])))`, "{{repository}}"],
    ]),
    panel(4, "Runner minutes per repository", "Job execution time summed per repository over the range: which repository costs what.", [12, 8, 12, 8], [
      [`sum by (repository) (increase(gha_job_execution_duration_seconds_sum{repository=~"$repository"}[$__range])) / 60`, "{{repository}}"],
    ], "table"),
    panel(5, "Jobs completed by result", "Completed jobs per minute, by repository and result.", [0, 16, 12, 8], [
      [`sum by (repository, job_result) (rate(gha_completed_jobs_total{repository=~"$repository"}[$__rate_interval])) * 60`, "{{repository}} {{job_result}}"],
    ]),
    panel(6, "Controller: ephemeral runners and listeners", "Pending or failed ephemeral runners that do not clear point at node capacity or a broken pod template.", [12, 16, 12, 8], [
      [`sum by (name) (gha_controller_pending_ephemeral_runners{${SCALE_SET}})`, "{{name}} pending"],
      [`sum by (name) (gha_controller_running_ephemeral_runners{${SCALE_SET}})`, "{{name}} running"],
      [`sum by (name) (gha_controller_failed_ephemeral_runners{${SCALE_SET}})`, "{{name}} failed"],
      [`sum(gha_controller_running_listeners)`, "listeners"],
    ]),
  ];
  const variable = (name: string, query: string) => ({
    name,
    type: "query",
    datasource: { type: "prometheus", uid: "${datasource}" },
    query: { query, refId: name },
    includeAll: true,
    multi: true,
    current: { text: "All", value: "$__all" },
    refresh: 2,
  });
  return {
    title: "runner-fleet: ARC runner scale sets",
    uid: "runner-fleet-arc",
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-6h", to: "now" },
    tags: ["runner-fleet", "arc", "github-actions"],
    templating: {
      list: [
        { name: "datasource", type: "datasource", query: "prometheus", current: {} },
        variable("namespace", "label_values(gha_assigned_jobs, namespace)"),
        variable("scale_set", 'label_values(gha_assigned_jobs{namespace=~"$namespace"}, name)'),
        variable("repository", "label_values(gha_started_jobs_total, repository)"),
      ],
    },
    panels,
  };
}
