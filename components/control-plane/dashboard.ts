import { cheapestOnDemand } from "../../config/prices";

/**
 * The CloudWatch dashboards of a stack's host pools, as the JSON CloudWatch documents for
 * DashboardBody ("Dashboard Body Structure and Syntax", CloudWatch API reference): a widgets array
 * of at most 500, each widget on a 24-column grid, every metric widget naming its region.
 *
 * The metric names and dimensions are the control plane's (control-plane/metrics/emf.ts); components
 * may not import control-plane/, so they are spelled here and test/unit/dashboard.test.ts fails when
 * a widget reads a metric nobody writes.
 */
export const DASHBOARD_NAMESPACE = "RunnerFleet";
/** CloudWatch's limit on widgets in one dashboard. */
export const MAX_WIDGETS = 500;
const GRID = 24;

export interface DashboardPool {
  name: string;
  scaleSetName: string;
  instanceTypes: string[];
  spot: boolean;
}

export interface DashboardInput {
  fleet: string;
  region: string;
  pools: DashboardPool[];
  listenerFunctionName: string;
  brokerFunctionName: string;
}

/** One entry of a metric widget's metrics array: a metric with its dimensions and options, or an expression. */
export type MetricEntry = (string | Record<string, string | number | boolean>)[];

export interface Widget {
  type: "metric" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  start: string;
  periodOverride: "auto" | "inherit";
  widgets: Widget[];
}

export interface Dashboard {
  /** Dashboard names allow letters, digits, "-" and "_" (PutDashboard). */
  name: string;
  body: DashboardBody;
}

export function dashboardName(fleet: string, part?: number): string {
  const base = `runner-fleet-${fleet}`.replace(/[^A-Za-z0-9_-]/g, "-");
  return part === undefined ? base : `${base}-pools-${part}`;
}

class Layout {
  readonly widgets: Widget[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  add(width: number, height: number, type: Widget["type"], properties: Record<string, unknown>): void {
    if (this.x + width > GRID) this.newRow();
    this.widgets.push({ type, x: this.x, y: this.y, width, height, properties });
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
  }

  newRow(): void {
    if (this.x === 0) return;
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

const dims = (fleet: string, pool: string) => ["Fleet", fleet, "Pool", pool];

function metricWidget(region: string, title: string, metrics: MetricEntry[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title, region, view: "timeSeries", stacked: false, period: 60, stat: "Maximum", metrics, ...extra };
}

/** SEARCH over every pool of the fleet: covers pools added later without a new widget. */
function search(fleet: string, dimensionSet: string, metric: string, stat: string, period: number): string {
  return `SEARCH('{${DASHBOARD_NAMESPACE},${dimensionSet}} MetricName="${metric}" Fleet="${fleet}"', '${stat}', ${period})`;
}

function overview(l: Layout, input: DashboardInput): void {
  const { fleet, region } = input;
  l.add(GRID, 3, "text", {
    markdown: [
      `## runner-fleet ${fleet}: host pools`,
      "Waiting = jobs GitHub assigned to a pool that no runner runs yet. Job wait = queued → runner assigned. " +
        "Cost per day = hosts in service × the cheapest listed type's on-demand list price × 24 (spot is billed lower; an estimate, not a bill). " +
        "Job minutes per repository come from the listener's JobCompleted messages.",
    ].join("\n\n"),
  });
  l.add(8, 6, "metric", metricWidget(region, "Jobs waiting for a runner, by pool", [[{ expression: search(fleet, "Fleet,Pool", "WaitingJobs", "Maximum", 60), id: "waiting" }]]));
  l.add(8, 6, "metric", metricWidget(region, "Job wait p95 (ms), by pool", [[{ expression: search(fleet, "Fleet,Pool", "JobWait", "p95", 300), id: "wait" }]], { period: 300 }));
  l.add(8, 6, "metric", metricWidget(region, "Hosts in service, by pool", [[{ expression: search(fleet, "Fleet,Pool", "InServiceHosts", "Maximum", 300), id: "hosts" }]], { period: 300 }));
  l.add(12, 6, "metric",
    metricWidget(region, "Job minutes per repository (per hour)", [
      [{ expression: search(fleet, "Fleet,Pool,Repository", "JobDuration", "Sum", 3600), id: "seconds", visible: false }],
      [{ expression: "seconds / 60", id: "minutes", label: "minutes" }],
    ], { period: 3600, view: "bar" }),
  );
  l.add(6, 6, "metric",
    metricWidget(region, "Broker refusals, by pool and code", [[{ expression: search(fleet, "Fleet,Pool,Code", "BrokerRefusals", "Sum", 300), id: "refusals" }]], { period: 300, stat: "Sum" }),
  );
  l.add(6, 6, "metric",
    metricWidget(region, "Listener and broker: errors and duration", [
      ["AWS/Lambda", "Errors", "FunctionName", input.listenerFunctionName, { stat: "Sum", label: "listener errors" }],
      ["AWS/Lambda", "Errors", "FunctionName", input.brokerFunctionName, { stat: "Sum", label: "broker errors" }],
      ["AWS/Lambda", "Duration", "FunctionName", input.listenerFunctionName, { stat: "Maximum", label: "listener duration (ms)", yAxis: "right" }],
      ["AWS/Lambda", "Duration", "FunctionName", input.brokerFunctionName, { stat: "p95", label: "broker duration p95 (ms)", yAxis: "right" }],
    ], { period: 300 }),
  );
  l.newRow();
}

/** Two widgets per pool: what it is doing, and what it costs and refuses. */
function poolRow(l: Layout, input: DashboardInput, pool: DashboardPool): void {
  const { fleet, region } = input;
  const d = dims(fleet, pool.name);
  l.add(12, 6, "metric",
    metricWidget(region, `${pool.name} (runs-on: ${pool.scaleSetName}): jobs, runners, hosts`, [
      [DASHBOARD_NAMESPACE, "WaitingJobs", ...d, { label: "waiting" }],
      [DASHBOARD_NAMESPACE, "AssignedJobs", ...d, { label: "assigned" }],
      [DASHBOARD_NAMESPACE, "RunningJobs", ...d, { label: "runners busy" }],
      [DASHBOARD_NAMESPACE, "IdleRunners", ...d, { label: "runners idle" }],
      [DASHBOARD_NAMESPACE, "DesiredHosts", ...d, { label: "hosts desired", yAxis: "right" }],
      [DASHBOARD_NAMESPACE, "InServiceHosts", ...d, { label: "hosts in service", yAxis: "right" }],
    ]),
  );
  const { price } = cheapestOnDemand(pool.instanceTypes);
  const cost: MetricEntry[] =
    price === undefined
      ? []
      : [
          [DASHBOARD_NAMESPACE, "InServiceHosts", ...d, { id: "hosts", stat: "Average", visible: false }],
          [{ expression: `hosts * ${price} * 24`, id: "cost", label: `USD/day at ${price}/h${pool.spot ? " (spot: less)" : ""}`, yAxis: "right" }],
        ];
  l.add(12, 6, "metric",
    metricWidget(region, `${pool.name}: job wait, broker refusals, cost per day`, [
      [DASHBOARD_NAMESPACE, "JobWait", ...d, { stat: "p50", label: "job wait p50 (ms)" }],
      [DASHBOARD_NAMESPACE, "JobWait", ...d, { stat: "p95", label: "job wait p95 (ms)" }],
      [DASHBOARD_NAMESPACE, "BrokerRefusals", ...d, { stat: "Sum", label: "broker refusals" }],
      ...cost,
    ], { period: 300 }),
  );
  l.newRow();
}

const OVERVIEW_WIDGETS = 7;
const WIDGETS_PER_POOL = 2;

/**
 * The stack's dashboards: one with the overview and as many pool rows as fit in 500 widgets, then
 * further dashboards of pool rows, pools in name order. A dashboard holds no state, so a pool moving
 * to another part when pools are added loses nothing.
 */
export function fleetDashboards(input: DashboardInput): Dashboard[] {
  const pools = [...input.pools].sort((a, b) => a.name.localeCompare(b.name));
  const firstFits = Math.floor((MAX_WIDGETS - OVERVIEW_WIDGETS) / WIDGETS_PER_POOL);
  const perPart = Math.floor(MAX_WIDGETS / WIDGETS_PER_POOL);
  const out: Dashboard[] = [];
  const first = new Layout();
  overview(first, input);
  for (const p of pools.slice(0, firstFits)) poolRow(first, input, p);
  out.push({ name: dashboardName(input.fleet), body: { start: "-PT6H", periodOverride: "auto", widgets: first.widgets } });
  for (let i = firstFits, part = 1; i < pools.length; i += perPart, part++) {
    const l = new Layout();
    for (const p of pools.slice(i, i + perPart)) poolRow(l, input, p);
    out.push({ name: dashboardName(input.fleet, part), body: { start: "-PT6H", periodOverride: "auto", widgets: l.widgets } });
  }
  return out;
}
