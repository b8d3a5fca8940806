import { githubArchLabel } from "../config/arch";
import { prefixed } from "../config/cross-checks";
import { ConfigError } from "../config/errors";
import { hostLabels } from "../config/host-model";
import { parseStackConfig } from "../config/load";
import { runnerPins, type PinReport } from "../config/runner-pins";
import { scaleSetNames } from "../config/names";
import type { StackConfig } from "../config/schema";
import { controlPlaneSizing, LISTENER_POLL_SECONDS_ESTIMATE } from "../components/control-plane/sizing";
import {
  ALARM_USD_PER_MONTH,
  EKS_CONTROL_PLANE_PER_HOUR,
  HOURS_PER_MONTH,
  LAMBDA_ARM64_USD_PER_GB_SECOND,
  LAMBDA_USD_PER_MILLION_REQUESTS,
  PRICES_AS_OF,
  SECRET_USD_PER_MONTH,
  cheapestOnDemand,
} from "../config/prices";
import type { StackFileConfig } from "./stack-file";
import { stackFileSource } from "./stack-file";

export interface FleetRow {
  kind: "runner set" | "host pool" | "node group" | "control plane";
  name: string;
  arch: string;
  labels: string;
  capacity: string;
  /** Monthly USD at desired capacity; undefined where no price is known or nothing is billed per instance. */
  monthly: number | undefined;
  /** A runner set's part of its node groups' monthly cost: shown in parentheses, never added to the total (the node groups' rows are). */
  shareOfNodes?: number;
  note: string;
}

export interface StackSummary {
  stack: string;
  file: string;
  team: string;
  platform: string;
  rows: FleetRow[];
  /** Runner versions the stack pins, with their age against GitHub's window. */
  pins: PinReport[];
  error?: string[];
}

function ec2Row(kind: "host pool" | "node group", name: string, arch: string, labels: string, types: string[], min: number, desired: number, max: number, spot: boolean): FleetRow {
  const { price, type } = cheapestOnDemand(types);
  const monthly = price === undefined ? undefined : price * desired * HOURS_PER_MONTH;
  const note = price === undefined ? `no price for ${types.join("/")}` : `${desired} × ${type}${spot ? " (spot, at on-demand price)" : ""}`;
  return { kind, name, arch, labels, capacity: `${min}/${desired}/${max}`, monthly, note };
}

/**
 * The host pools' control plane at idle: the listener's run every minute, long-polling, is most of
 * it; plus the credential's secret and one alarm per pool and the listener's. Without the Lambda
 * free tier and without the custom metrics the control plane writes (priced per metric).
 */
export function hostControlPlaneMonthly(pools: number): number {
  const runs = HOURS_PER_MONTH * 60;
  const gbSeconds = runs * LISTENER_POLL_SECONDS_ESTIMATE * (controlPlaneSizing(pools).listener.memoryMiB / 1024);
  return gbSeconds * LAMBDA_ARM64_USD_PER_GB_SECOND + (runs / 1e6) * LAMBDA_USD_PER_MILLION_REQUESTS + SECRET_USD_PER_MONTH + (pools + 1) * ALARM_USD_PER_MONTH;
}

/**
 * A runner set's part of what its nodes cost: sets carry no resource requests, so each EKS node
 * group of the set's arch is shared out by runner capacity (instances × maxRunners) among the sets
 * of that arch. Its part of the groups' desired-capacity cost, shown beside (not added to) the node
 * groups' rows, so the stack total counts each node once. kind runs locally; an existing cluster's
 * nodes are not this stack's to price.
 */
export function runnerSetShares(cfg: StackConfig): (s: StackConfig["runnerSets"][number]) => { shareOfNodes?: number; note: string } {
  const cluster = cfg.cluster;
  if (cluster?.type !== "eks") return () => ({ note: cluster?.type === "kind" ? "kind: local, no cloud cost" : "runs on cluster nodes (not priced here)" });
  const groupsMonthly = (arch: string) =>
    cluster.nodeGroups
      .filter((g) => g.arch === arch)
      .reduce((n, g) => n + (cheapestOnDemand(g.instanceTypes).price ?? 0) * g.scaling.desired * HOURS_PER_MONTH, 0);
  const capacity = (arch: string) => cfg.runnerSets.filter((x) => x.arch === arch).reduce((n, x) => n + x.instances * x.maxRunners, 0);
  return (s) => {
    const total = capacity(s.arch);
    const groups = groupsMonthly(s.arch);
    if (total === 0 || groups === 0) return { note: `no priced ${s.arch} node group` };
    const part = (s.instances * s.maxRunners) / total;
    return { shareOfNodes: groups * part, note: `${Math.round(part * 100)}% of the ${s.arch} node groups by runner capacity (in the node groups' rows)` };
  };
}

export function summarise(cfg: StackConfig, file: StackFileConfig, now: Date): StackSummary {
  const rows: FleetRow[] = [];
  const share = runnerSetShares(cfg);
  for (const s of cfg.runnerSets) {
    const names = scaleSetNames(prefixed(cfg.team, s.name), s.instances);
    const cost = share(s);
    rows.push({
      kind: "runner set",
      name: names.length === 1 ? names[0]! : `${names[0]}…${names.at(-1)}`,
      arch: s.arch,
      labels: s.labels.join(",") || "(by name)",
      capacity: `${s.instances} × ${s.minRunners}..${s.maxRunners}`,
      monthly: undefined,
      ...(cost.shareOfNodes !== undefined ? { shareOfNodes: cost.shareOfNodes } : {}),
      note: cost.note,
    });
  }
  for (const p of cfg.hostPools) {
    rows.push(ec2Row("host pool", prefixed(cfg.team, p.name), p.arch, hostLabels(p).join(","), p.instanceTypes, p.capacity.min, p.capacity.desired, p.capacity.max, p.spot));
  }
  if (cfg.hostPools.length > 0) {
    rows.push({
      kind: "control plane",
      name: "host pools (Lambda)",
      arch: "arm64",
      labels: "-",
      capacity: "-",
      monthly: hostControlPlaneMonthly(cfg.hostPools.length),
      note: "idle: listener every minute, secret, alarms; no free tier, custom metrics extra",
    });
  }
  if (cfg.cluster?.type === "eks") {
    rows.push({ kind: "control plane", name: cfg.cluster.name, arch: "-", labels: "-", capacity: "-", monthly: EKS_CONTROL_PLANE_PER_HOUR * HOURS_PER_MONTH, note: "EKS" });
    for (const g of cfg.cluster.nodeGroups) {
      rows.push(ec2Row("node group", g.name, g.arch, githubArchLabel(g.arch), g.instanceTypes, g.scaling.min, g.scaling.desired, g.scaling.max, g.capacityType === "spot"));
    }
  }
  return { stack: file.stack, file: file.file, team: cfg.team ?? "-", platform: cfg.platform ?? "-", rows, pins: runnerPins(cfg, now) };
}

/** Validates a stack file as the program would and summarises it; a bad file yields its keyed lines. */
export function summariseFile(file: StackFileConfig, now: Date): StackSummary {
  try {
    const cfg = parseStackConfig(stackFileSource(file));
    return summarise(cfg, file, now);
  } catch (e) {
    if (ConfigError.isConfigError(e)) return { stack: file.stack, file: file.file, team: "-", platform: "-", rows: [], pins: [], error: [...e.lines] };
    throw e;
  }
}

const money = (n: number | undefined) => (n === undefined ? "-" : `$${Math.round(n).toLocaleString("en-US")}`);

export function formatSummary(s: StackSummary): string {
  const head = `== ${s.stack} (${s.file})  team: ${s.team}  platform: ${s.platform}`;
  if (s.error) return [head, ...s.error.map((l) => `  INVALID ${l}`)].join("\n");
  const cols = ["KIND", "NAME", "ARCH", "LABELS", "CAPACITY", "EST/MONTH", "NOTE"];
  const data = s.rows.map((r) => [r.kind, r.name, r.arch, r.labels, r.capacity, r.shareOfNodes !== undefined ? `(${money(r.shareOfNodes)})` : money(r.monthly), r.note]);
  const widths = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i]!.length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const total = s.rows.reduce((n, r) => n + (r.monthly ?? 0), 0);
  const pins = s.pins.map((p) => `  ${p.warn ? "WARNING" : "runner"} ${p.message}`);
  return [head, line(cols), ...data.map(line), ...pins, `  estimated EC2/EKS: ${money(total)}/month at desired capacity (list prices of ${PRICES_AS_OF}; an estimate, not a bill)`].join("\n");
}
