import { prefixed } from "../config/cross-checks";
import { scaleSetBase, scaleSetNames } from "../config/names";
import { effectiveScaleSetLabels, extraLabelsHonoured } from "../config/registered-labels";
import { scaleSetLabels } from "../config/scale-set-labels";
import type { StackConfig } from "../config/schema";
import { labelsMatch } from "../protocol/labels";
import { evaluate, WILDCARD } from "./expression-eval";
import { isExpr, type ParsedWorkflow, type TemplateValue, type WorkflowJob, type WorkflowProblem } from "./workflow-read";

/** A scale set a job can land on, with the labels GitHub matches `runs-on` against. */
export interface Target {
  stack: string;
  kind: "scale set" | "host pool";
  /** The scale set's name. */
  name: string;
  /** The runner set or pool it belongs to: a set's instances share it. */
  owner: string;
  /** Exactly what registration sends, less what the GitHub host drops (GHES without custom labels). */
  labels: string[];
  runnerGroup: string | undefined;
}

/** Every scale set of a stack: runner-set instances and host pools, labelled as they are registered. */
export function targetsOf(stack: string, cfg: StackConfig): Target[] {
  const honoured = extraLabelsHonoured(cfg.github);
  const sets = cfg.runnerSets.flatMap((s) =>
    scaleSetNames(prefixed(cfg.team, s.name), s.instances).map((name) => ({
      stack,
      kind: "scale set" as const,
      name,
      owner: s.name,
      labels: effectiveScaleSetLabels(scaleSetLabels(name, s), honoured),
      runnerGroup: s.runnerGroup,
    })),
  );
  const pools = cfg.hostPools.map((p) => {
    const name = scaleSetBase(prefixed(cfg.team, p.name));
    return { stack, kind: "host pool" as const, name, owner: p.name, labels: effectiveScaleSetLabels(scaleSetLabels(name, p), honoured), runnerGroup: p.runnerGroup };
  });
  return [...sets, ...pools];
}

/** One label set a job can ask for. A label may hold WILDCARD where a run-time value goes. */
export interface Requirement {
  labels: string[];
  group?: string;
}
export type Expansion = { requirements: Requirement[] } | { unknown: string };

type Combo = Record<string, TemplateValue>;
const same = (a: TemplateValue | undefined, b: TemplateValue | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Matrix combinations as GitHub forms them (product, then exclude, then include), or undefined when only known at run time. */
export function matrixCombos(matrix: TemplateValue | undefined): Combo[] | undefined {
  if (matrix === undefined || matrix === null) return [{}];
  if (isExpr(matrix) || typeof matrix !== "object" || Array.isArray(matrix)) return undefined;
  const m = matrix as Record<string, TemplateValue>;
  const keys = Object.keys(m).filter((k) => k !== "include" && k !== "exclude");
  let combos: Combo[] = keys.length === 0 ? [] : [{}];
  for (const k of keys) {
    const values = m[k];
    if (!Array.isArray(values)) return undefined;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  }
  const entries = (v: TemplateValue | undefined): Combo[] | undefined => (v === undefined ? [] : Array.isArray(v) && v.every((e) => typeof e === "object" && e !== null && !Array.isArray(e) && !isExpr(e)) ? (v as Combo[]) : undefined);
  const exclude = entries(m.exclude);
  const include = entries(m.include);
  if (!exclude || !include) return undefined;
  combos = combos.filter((c) => !exclude.some((x) => Object.entries(x).every(([k, v]) => same(c[k], v))));
  const original = combos.map((c) => ({ ...c }));
  for (const inc of include) {
    let added = false;
    combos.forEach((c, i) => {
      // An include extends a combination unless it would overwrite one of its original values.
      if (Object.entries(inc).every(([k, v]) => !(k in original[i]!) || same(original[i]![k], v))) {
        Object.assign(c, inc);
        added = true;
      }
    });
    if (!added) combos.push({ ...inc });
  }
  return combos;
}

/** The strings a runs-on item can be under one matrix combination. */
function labelValues(item: TemplateValue, matrix: Combo | undefined): string[] | { unknown: string } {
  // The converter leaves an expression GitHub's parser refused as text: reported as an error already.
  if (typeof item === "string") return item.includes("${{") ? { unknown: "GitHub's parser refuses this expression (see the ERROR line)" } : [item];
  if (typeof item === "number" || typeof item === "boolean") return [String(item)];
  if (!isExpr(item)) return { unknown: JSON.stringify(item) };
  const r = evaluate(item.$expr, matrix === undefined ? {} : { matrix });
  if (r.kind === "unknown") return { unknown: r.why };
  if (r.kind === "pattern") return [r.value];
  const v = r.value.kind === 1 ? (r.value as unknown as { values(): { coerceString(): string }[] }).values().map((x) => x.coerceString()) : [r.value.coerceString()];
  return v;
}

/** A job's runs-on as the label sets it can ask for: a string, a list, or {group, labels}; per matrix combination. */
export function expandRunsOn(job: Pick<WorkflowJob, "runsOn" | "matrix">): Expansion {
  const combos: (Combo | undefined)[] = matrixCombos(job.matrix) ?? [undefined];
  const out: Requirement[] = [];
  for (const combo of combos) {
    let r = job.runsOn;
    let group: string | undefined;
    if (r !== null && typeof r === "object" && !Array.isArray(r) && !isExpr(r)) {
      const o = r as Record<string, TemplateValue>;
      if (o.group !== undefined) {
        const g = labelValues(o.group, combo);
        if (!Array.isArray(g) || g.length !== 1) return { unknown: Array.isArray(g) ? JSON.stringify(o.group) : g.unknown };
        group = g[0];
      }
      r = o.labels === undefined ? [] : o.labels;
    }
    const items = Array.isArray(r) ? r : r === undefined ? [] : [r];
    const labels: string[] = [];
    for (const item of items) {
      const v = labelValues(item, combo);
      if (!Array.isArray(v)) return v;
      labels.push(...v);
    }
    const req: Requirement = group === undefined ? { labels } : { labels, group };
    if (!out.some((x) => same(x.labels, req.labels) && x.group === req.group)) out.push(req);
  }
  return { requirements: out };
}

const HOSTED = /^(ubuntu|windows|macos)-[\w.-]+$/i;

export type Verdict =
  | { status: "ok"; target: Target }
  /** The label holds a run-time value (a route job's output): it reaches these instances of one set. */
  | { status: "routed"; targets: Target[] }
  | { status: "none" }
  | { status: "ambiguous"; targets: Target[] }
  | { status: "unresolved"; targets: Target[] }
  | { status: "github-hosted" };

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The labels a target would match a requirement with, run-time values filled from the target's own labels. */
function matches(req: Requirement, t: Target): boolean {
  if (req.group !== undefined && t.runnerGroup?.toLowerCase() !== req.group.toLowerCase()) return false;
  const filled = req.labels.map((l) => {
    if (!l.includes(WILDCARD)) return l;
    const re = new RegExp(`^${l.split(WILDCARD).map(escape).join("\\S+")}$`, "i");
    return t.labels.find((x) => re.test(x)) ?? l;
  });
  return labelsMatch(filled, t.labels);
}

/**
 * Who serves one label set, by GitHub's rule (protocol/labels.ts). Stacks are separate fleets (dev
 * and prod may both have a set of one name): served when some stack serves it exactly once and none
 * serves it twice. Two scale sets that both match is AMBIGUOUS: GitHub may give the job to either.
 */
export function serve(req: Requirement, targets: Target[]): Verdict {
  if (req.group === undefined && req.labels.length === 1 && HOSTED.test(req.labels[0]!)) return { status: "github-hosted" };
  const byStack = new Map<string, Target[]>();
  for (const t of targets.filter((t) => matches(req, t))) byStack.set(t.stack, [...(byStack.get(t.stack) ?? []), t]);
  const groups = [...byStack.values()];
  if (groups.length === 0) return { status: "none" };
  if (req.labels.some((l) => l.includes(WILDCARD))) {
    // A route job picks one instance at run time: fine when every candidate is an instance of one set.
    const one = groups.find((ts) => new Set(ts.map((t) => t.owner)).size === 1 && ts.every((t) => t.kind === "scale set"));
    return one ? { status: "routed", targets: one } : { status: "unresolved", targets: groups.flat() };
  }
  const ambiguous = groups.find((ts) => ts.length > 1);
  if (ambiguous) return { status: "ambiguous", targets: ambiguous };
  return { status: "ok", target: groups[0]![0]! };
}

export interface JobReport {
  workflow: string;
  job: string;
  line: number | undefined;
  runsOn: string;
  verdicts: { requirement: Requirement; verdict: Verdict }[];
  unknown?: string;
}

/** runs-on as the workflow wrote it, expressions in `${{ }}`. */
function display(v: TemplateValue | undefined): string {
  if (v === undefined) return "";
  if (isExpr(v)) return `\${{ ${v.$expr} }}`;
  if (Array.isArray(v)) return `[${v.map(display).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${display(x)}`).join(", ")}}`;
  return String(v);
}

export interface WorkflowCheck {
  problems: WorkflowProblem[];
  reports: JobReport[];
}

export function checkWorkflow(workflow: ParsedWorkflow, targets: Target[]): WorkflowCheck {
  const reports: JobReport[] = [];
  for (const job of workflow.jobs) {
    if (job.runsOn === undefined) continue; // a reusable-workflow call
    const base = { workflow: workflow.file, job: job.id, line: job.line, runsOn: display(job.runsOn) };
    const e = expandRunsOn(job);
    if ("unknown" in e) reports.push({ ...base, verdicts: [], unknown: e.unknown });
    else reports.push({ ...base, verdicts: e.requirements.map((requirement) => ({ requirement, verdict: serve(requirement, targets) })) });
  }
  return { problems: workflow.problems, reports };
}

/** A job fails when it would wait forever or could land on either of two sets; with strict, also when it cannot be resolved. */
export function failed(r: JobReport, strict = false): boolean {
  if (strict && (r.unknown !== undefined || r.verdicts.some((v) => v.verdict.status === "unresolved"))) return true;
  return r.verdicts.some((v) => v.verdict.status === "none" || v.verdict.status === "ambiguous");
}

const showLabels = (labels: string[]): string => labels.map((l) => l.split(WILDCARD).join("*")).join(", ");
const names = (ts: Target[]): string => ts.map((t) => `${t.kind} ${t.name}`).join(" and ");

export function formatReport(r: JobReport): string[] {
  const head = `${r.workflow}${r.line === undefined ? "" : `:${r.line}`}: ${r.job}: runs-on ${r.runsOn}`;
  if (r.unknown) return [`UNKNOWN  ${head}: ${r.unknown}; cannot be resolved offline`];
  return r.verdicts.map(({ requirement, verdict }) => {
    const want = `[${showLabels(requirement.labels)}]${requirement.group ? ` in group ${requirement.group}` : ""}`;
    switch (verdict.status) {
      case "ok":
        return `ok       ${head}: ${want} → ${verdict.target.kind} ${verdict.target.name} (${verdict.target.stack})`;
      case "routed":
        return `ok       ${head}: ${want} → one of ${verdict.targets.map((t) => t.name).join(", ")} (${verdict.targets[0]!.stack}), picked at run time`;
      case "github-hosted":
        return `hosted   ${head}: ${want} is a GitHub-hosted runner`;
      case "none":
        return `NONE     ${head}: no runner set or pool is registered with all of ${want}; the job would wait forever`;
      case "ambiguous":
        return `AMBIGUOUS ${head}: ${want} matches ${names(verdict.targets)} (${verdict.targets[0]!.stack}); GitHub may give the job to any of them`;
      case "unresolved":
        return `UNKNOWN  ${head}: ${want} depends on a run-time value and could reach ${names(verdict.targets)}`;
    }
  });
}
