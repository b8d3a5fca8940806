import { describe, expect, it } from "vitest";
import { DASHBOARD_NAMESPACE, fleetDashboards, MAX_WIDGETS, type DashboardBody, type DashboardInput } from "../../components/control-plane/dashboard";
import { EmfMetrics, METRIC_NAMESPACE, METRICS } from "../../control-plane/metrics/emf";
import { renderRealStack, canaries } from "../helpers/render";

/**
 * The rules CloudWatch documents for a DashboardBody ("Dashboard Body Structure and Syntax",
 * CloudWatch API reference; PutDashboard for the name): widgets array of 0–500; each widget has a
 * type, x (0–23) and y (≥ 0) on a 24-column grid, width 1–24, height 1–1000; a metric widget has a
 * metrics array and a region (required); each metrics entry is [Namespace, MetricName,
 * (DimensionName, DimensionValue)*, {rendering options}?] or [{expression, id, …}]; ids start with a
 * lower-case letter and are unique in the widget; a text widget has markdown; a dashboard name has
 * letters, digits, "-" and "_", up to 255 characters. moto accepts any JSON (put_dashboard only
 * parses it), so these checks are the stricter stand-in.
 */
function problems(name: string, body: DashboardBody): string[] {
  const out: string[] = [];
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) out.push(`name ${name}`);
  if (!Array.isArray(body.widgets) || body.widgets.length > MAX_WIDGETS) out.push(`widgets: ${body.widgets?.length}`);
  const cells = new Set<string>();
  body.widgets.forEach((w, i) => {
    const at = `${name} widget ${i}`;
    if (!["metric", "text", "log", "alarm", "explorer", "custom"].includes(w.type)) out.push(`${at}: type ${w.type}`);
    if (!Number.isInteger(w.x) || w.x < 0 || w.x > 23) out.push(`${at}: x ${w.x}`);
    if (!Number.isInteger(w.y) || w.y < 0) out.push(`${at}: y ${w.y}`);
    if (!Number.isInteger(w.width) || w.width < 1 || w.width > 24 || w.x + w.width > 24) out.push(`${at}: width ${w.width}`);
    if (!Number.isInteger(w.height) || w.height < 1 || w.height > 1000) out.push(`${at}: height ${w.height}`);
    for (let x = w.x; x < w.x + w.width; x++)
      for (let y = w.y; y < w.y + w.height; y++) {
        if (cells.has(`${x},${y}`)) out.push(`${at}: overlaps at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    const p = w.properties;
    if (w.type === "text" && typeof p["markdown"] !== "string") out.push(`${at}: text without markdown`);
    if (w.type !== "metric") return;
    if (typeof p["region"] !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(p["region"])) out.push(`${at}: region ${String(p["region"])}`);
    const period = p["period"];
    if (period !== undefined && (typeof period !== "number" || period % 60 !== 0)) out.push(`${at}: period ${String(period)}`);
    const metrics = p["metrics"];
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > 500) {
      out.push(`${at}: metrics`);
      return;
    }
    const ids = new Set<string>();
    for (const m of metrics as unknown[][]) {
      const last = m[m.length - 1];
      const opts = typeof last === "object" && last !== null ? (last as Record<string, unknown>) : undefined;
      const plain = opts ? m.slice(0, -1) : m;
      if (opts && typeof opts["id"] === "string") {
        if (!/^[a-z][A-Za-z0-9_]*$/.test(opts["id"]) || ids.has(opts["id"])) out.push(`${at}: id ${opts["id"]}`);
        ids.add(opts["id"]);
      }
      if (plain.length === 0) {
        if (typeof opts?.["expression"] !== "string") out.push(`${at}: entry with neither metric nor expression`);
        continue;
      }
      if (plain.length < 2 || plain.length % 2 !== 0 || !plain.every((s) => typeof s === "string" && s.length > 0)) out.push(`${at}: entry ${JSON.stringify(m)}`);
    }
    // An expression may only name ids of its own widget.
    for (const m of metrics as unknown[][]) {
      const expr = (m[m.length - 1] as Record<string, unknown>)?.["expression"];
      if (typeof expr !== "string" || expr.startsWith("SEARCH(")) continue;
      for (const ref of expr.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? []) if (!ids.has(ref)) out.push(`${at}: expression names unknown id ${ref}`);
    }
  });
  return out;
}

/** Every RunnerFleet metric a body reads: from plain entries and from SEARCH expressions. */
function metricsRead(body: DashboardBody): string[] {
  const names = new Set<string>();
  for (const w of body.widgets) {
    for (const m of (w.properties["metrics"] as unknown[][] | undefined) ?? []) {
      if (m[0] === DASHBOARD_NAMESPACE) names.add(String(m[1]));
      const expr = (m[m.length - 1] as Record<string, unknown>)?.["expression"];
      if (typeof expr === "string") for (const x of expr.matchAll(/\{RunnerFleet,[^}]*\} MetricName="(\w+)"/g)) names.add(x[1]!);
    }
  }
  return [...names];
}

const input = (n: number): DashboardInput => ({
  fleet: "runner-fleet-prod",
  region: "eu-west-1",
  pools: Array.from({ length: n }, (_, i) => ({ name: `pool-${String(i).padStart(3, "0")}`, scaleSetName: `pool-${i}`, instanceTypes: ["c7g.2xlarge"], spot: i % 2 === 0 })),
  listenerFunctionName: "listener-fn",
  brokerFunctionName: "broker-fn",
});

describe("the pools' CloudWatch dashboards", () => {
  it("follow CloudWatch's documented body structure, at 1, 120 and 300 pools", () => {
    for (const n of [1, 120, 300]) {
      const ds = fleetDashboards(input(n));
      for (const d of ds) expect(problems(d.name, d.body)).toEqual([]);
      expect(new Set(ds.map((d) => d.name)).size).toBe(ds.length);
    }
  });

  it("the checker refuses what CloudWatch refuses (a metric widget without a region, an overlap, a dangling id)", () => {
    const [d] = fleetDashboards(input(2));
    const body = JSON.parse(JSON.stringify(d!.body)) as DashboardBody;
    delete body.widgets[1]!.properties["region"];
    body.widgets[2]!.x = body.widgets[1]!.x;
    body.widgets[2]!.y = body.widgets[1]!.y;
    const last = body.widgets.at(-1)!;
    (last.properties["metrics"] as unknown[][]).push([{ expression: "ghost * 2", id: "twice" }]);
    const found = problems("bad name!", body).join("\n");
    expect(found).toMatch(/name bad name!/);
    expect(found).toMatch(/region undefined/);
    expect(found).toMatch(/overlaps/);
    expect(found).toMatch(/unknown id ghost/);
  });

  it("give every pool its own row, read only metrics the control plane writes, and split past 500 widgets", () => {
    const ds = fleetDashboards(input(300));
    expect(ds.length).toBe(2);
    for (const d of ds) expect(d.body.widgets.length).toBeLessThanOrEqual(MAX_WIDGETS);
    const titles = ds.flatMap((d) => d.body.widgets.map((w) => String(w.properties["title"] ?? "")));
    for (const p of input(300).pools) expect(titles.filter((t) => t.startsWith(`${p.name}`)).length).toBe(2);
    const written = Object.keys(METRICS);
    expect(METRIC_NAMESPACE).toBe(DASHBOARD_NAMESPACE);
    for (const d of ds) for (const m of metricsRead(d.body)) expect(written).toContain(m);
    // What each widget answers, including the questions users of every fleet ask.
    const read = metricsRead(ds[0]!.body);
    for (const m of ["WaitingJobs", "AssignedJobs", "RunningJobs", "IdleRunners", "DesiredHosts", "InServiceHosts", "JobWait", "JobDuration", "BrokerRefusals"]) expect(read).toContain(m);
  });

  it("the job metrics it reads are what the listener's sink writes, with Repository as a dimension", () => {
    const lines: string[] = [];
    const emf = new EmfMetrics("runner-fleet-prod", (l) => lines.push(l), () => 0);
    emf.job({ pool: "p", repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main", waitMs: 1200 });
    emf.job({ pool: "p", repository: "acme/api", workflowRef: "acme/api/.github/workflows/ci.yml@refs/heads/main", durationSeconds: 95 });
    const docs = lines.map((l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }; [k: string]: unknown });
    expect(docs[0]!["JobWait"]).toBe(1200);
    expect(docs[1]!["JobDuration"]).toBe(95);
    expect(docs[1]!._aws.CloudWatchMetrics[0]!.Dimensions).toContainEqual(["Fleet", "Pool", "Repository"]);
    expect(docs[1]!["Repository"]).toBe("acme/api");
  });

  it("prod renders one covering every pool, with the stack's region and function names", async () => {
    const r = await renderRealStack("prod", canaries());
    const boards = r.resources.filter((x) => x.type === "aws:cloudwatch/dashboard:Dashboard");
    const pools = r.resources.filter((x) => x.type === "runner-fleet:aws:HostPool").map((x) => x.name);
    expect(pools.length).toBeGreaterThan(0);
    expect(boards.length).toBe(1);
    const body = JSON.parse(String(boards[0]!.inputs["dashboardBody"])) as DashboardBody;
    expect(problems(String(boards[0]!.inputs["dashboardName"]), body)).toEqual([]);
    const titles = body.widgets.map((w) => String(w.properties["title"] ?? ""));
    for (const p of pools) expect(titles.some((t) => t.startsWith(`${p} (runs-on:`))).toBe(true);
  }, 180_000);
});
