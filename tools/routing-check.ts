import { prefixed } from "../config/cross-checks";
import { hostLabels } from "../config/host-model";
import { scaleSetBase, scaleSetNames } from "../config/names";
import type { StackConfig } from "../config/schema";

/** Something a job can land on, with the labels GitHub matches `runs-on` against. */
export interface Target {
  stack: string;
  kind: "scale set" | "host pool";
  name: string;
  labels: Set<string>;
  runnerGroup: string | undefined;
}

const lower = (xs: string[]) => new Set(xs.map((x) => x.toLowerCase()));

/**
 * Targets of a stack. A scale set is reached by its own name plus its scaleSetLabels. A host pool
 * is a scale set too (its control plane registers one per pool): its name, plus self-hosted,
 * linux, the arch label and the pool's labels.
 */
export function targetsOf(stack: string, cfg: StackConfig): Target[] {
  const sets = cfg.runnerSets.flatMap((s) =>
    scaleSetNames(prefixed(cfg.team, s.name), s.instances).map((n) => ({ stack, kind: "scale set" as const, name: n, labels: lower([n, ...s.labels]), runnerGroup: s.runnerGroup })),
  );
  const pools = cfg.hostPools.map((p) => {
    const name = scaleSetBase(prefixed(cfg.team, p.name));
    return { stack, kind: "host pool" as const, name, labels: lower([name, ...hostLabels(p)]), runnerGroup: p.runnerGroup };
  });
  return [...sets, ...pools];
}

export interface Requirement {
  labels: string[];
  group?: string;
}

type Job = { "runs-on"?: unknown; strategy?: { matrix?: unknown } };
export type Expansion = { requirements: Requirement[] } | { unknown: string };

const EXPR = /\$\{\{\s*(.*?)\s*\}\}/;
const MODULO = /^github\.event\.(?:issue|pull_request)\.number\s*%\s*(\d+)\s*\+\s*1$/;
const MATRIX = /^matrix\.([A-Za-z0-9_-]+)$/;

/** The values a matrix key takes: its literal list plus `include` entries. */
function matrixValues(job: Job, key: string): string[] | undefined {
  const m = job.strategy?.matrix;
  if (m === null || typeof m !== "object" || Array.isArray(m)) return undefined;
  const matrix = m as Record<string, unknown>;
  const base = matrix[key];
  const values: unknown[] = Array.isArray(base) ? [...base] : [];
  if (Array.isArray(matrix.include)) for (const inc of matrix.include as Record<string, unknown>[]) if (inc && key in inc) values.push(inc[key]);
  if (values.length === 0 || values.some((v) => typeof v !== "string" && typeof v !== "number")) return undefined;
  return [...new Set(values.map(String))];
}

/** Every string a templated value can become, or why it cannot be known offline. */
export function expandString(s: string, job: Job): string[] | { unknown: string } {
  const m = EXPR.exec(s);
  if (!m) return [s];
  const expr = m[1]!;
  let values: string[] | undefined;
  const mod = MODULO.exec(expr);
  if (mod) values = Array.from({ length: Number(mod[1]) }, (_, i) => String(i + 1));
  const mat = MATRIX.exec(expr);
  if (mat) values = matrixValues(job, mat[1]!);
  if (values === undefined) return { unknown: `\${{ ${expr} }}` };
  const out: string[] = [];
  for (const v of values) {
    const rest = expandString(s.replace(m[0], v), job);
    if (!Array.isArray(rest)) return rest;
    out.push(...rest);
  }
  return [...new Set(out)];
}

function product(lists: string[][]): string[][] {
  return lists.reduce<string[][]>((acc, list) => acc.flatMap((a) => list.map((x) => [...a, x])), [[]]);
}

/** A job's runs-on as the label sets it can ask for: a string, a list, or {group, labels}. */
export function expandRunsOn(job: Job): Expansion {
  const r = job["runs-on"];
  const expandList = (items: unknown[]): string[][] | { unknown: string } => {
    const lists: string[][] = [];
    for (const item of items) {
      if (typeof item !== "string") return { unknown: JSON.stringify(item) };
      const e = expandString(item, job);
      if (!Array.isArray(e)) return e;
      lists.push(e);
    }
    return product(lists);
  };
  if (typeof r === "string") {
    const e = expandList([r]);
    return Array.isArray(e) ? { requirements: e.map((labels) => ({ labels })) } : e;
  }
  if (Array.isArray(r)) {
    const e = expandList(r);
    return Array.isArray(e) ? { requirements: e.map((labels) => ({ labels })) } : e;
  }
  if (r !== null && typeof r === "object") {
    const o = r as { group?: unknown; labels?: unknown };
    const labels = o.labels === undefined ? [] : Array.isArray(o.labels) ? o.labels : [o.labels];
    const e = expandList(labels);
    if (!Array.isArray(e)) return e;
    if (o.group !== undefined && typeof o.group !== "string") return { unknown: JSON.stringify(o.group) };
    const group = o.group as string | undefined;
    return { requirements: e.map((l) => (group === undefined ? { labels: l } : { labels: l, group })) };
  }
  return { unknown: JSON.stringify(r) };
}

const HOSTED = /^(ubuntu|windows|macos)-[\w.-]+$/i;

export type Verdict =
  | { status: "ok"; target: Target }
  /** Served by a scale set only through its scaleSetLabels, not its name: uncertain on github.com. */
  | { status: "label-only"; target: Target }
  | { status: "none" }
  | { status: "ambiguous"; targets: Target[] }
  | { status: "github-hosted" };

/**
 * Who serves one label set. Stacks are separate fleets (dev and prod may both have a set of one
 * name): a requirement is served when some stack serves it exactly once and none serves it twice.
 */
export function serve(req: Requirement, targets: Target[]): Verdict {
  if (req.group === undefined && req.labels.length === 1 && HOSTED.test(req.labels[0]!)) return { status: "github-hosted" };
  const want = req.labels.map((l) => l.toLowerCase());
  const matches = targets.filter((t) => want.every((l) => t.labels.has(l)) && (req.group === undefined || t.runnerGroup?.toLowerCase() === req.group.toLowerCase()));
  const byStack = new Map<string, Target[]>();
  for (const t of matches) byStack.set(t.stack, [...(byStack.get(t.stack) ?? []), t]);
  const ambiguous = [...byStack.values()].find((ts) => ts.length > 1);
  if (ambiguous) return { status: "ambiguous", targets: ambiguous };
  const first = [...byStack.values()][0]?.[0];
  if (!first) return { status: "none" };
  // ARC's scaleSetLabels (0.14.0+) are documented to route jobs, but users report GitHub ignoring
  // them on github.com (actions/actions-runner-controller#4425, #4579): only the name is certain.
  // Host pools are scale sets as well.
  if (!want.includes(first.name.toLowerCase())) return { status: "label-only", target: first };
  return { status: "ok", target: first };
}

export interface JobReport {
  workflow: string;
  job: string;
  runsOn: string;
  verdicts: { requirement: Requirement; verdict: Verdict }[];
  unknown?: string;
}

export function checkWorkflow(workflow: string, doc: unknown, targets: Target[]): JobReport[] {
  const jobs = (doc as { jobs?: Record<string, Job> } | null)?.jobs ?? {};
  const reports: JobReport[] = [];
  for (const [name, job] of Object.entries(jobs)) {
    if (job?.["runs-on"] === undefined) continue; // a reusable-workflow call
    const runsOn = JSON.stringify(job["runs-on"]);
    const e = expandRunsOn(job);
    if ("unknown" in e) reports.push({ workflow, job: name, runsOn, verdicts: [], unknown: e.unknown });
    else reports.push({ workflow, job: name, runsOn, verdicts: e.requirements.map((requirement) => ({ requirement, verdict: serve(requirement, targets) })) });
  }
  return reports;
}

export function failed(r: JobReport): boolean {
  return r.verdicts.some((v) => v.verdict.status === "none" || v.verdict.status === "ambiguous");
}

export function formatReport(r: JobReport): string[] {
  const head = `${r.workflow}: ${r.job}: runs-on ${r.runsOn}`;
  if (r.unknown) return [`UNKNOWN  ${head}: ${r.unknown} cannot be resolved offline`];
  return r.verdicts.map(({ requirement, verdict }) => {
    const want = `[${requirement.labels.join(", ")}]${requirement.group ? ` in group ${requirement.group}` : ""}`;
    switch (verdict.status) {
      case "ok":
        return `ok       ${head}: ${want} → ${verdict.target.kind} ${verdict.target.name} (${verdict.target.stack})`;
      case "label-only":
        return `CAVEAT   ${head}: ${want} reaches scale set ${verdict.target.name} (${verdict.target.stack}) only through its scaleSetLabels, which GitHub may ignore for scale sets on github.com (actions/actions-runner-controller#4425, #4579); use runs-on: ${verdict.target.name}`;
      case "github-hosted":
        return `hosted   ${head}: ${want} is a GitHub-hosted runner`;
      case "none":
        return `NONE     ${head}: no runner set or pool serves ${want}; the job would wait forever`;
      case "ambiguous":
        return `AMBIGUOUS ${head}: ${want} is served by ${verdict.targets.map((t) => `${t.kind} ${t.name}`).join(" and ")} (${verdict.targets[0]!.stack}); the job could land on either`;
    }
  });
}
