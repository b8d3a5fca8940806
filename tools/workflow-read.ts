import { convertWorkflowTemplate, isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";

/**
 * A workflow as GitHub's own parser (@actions/workflow-parser, the implementation behind GitHub's
 * language service) reads it. ESM that imports JSON without attributes: vitest inlines it, and the
 * CLI is bundled by esbuild (tools/bundle-run.ts).
 */

/** A template value with expressions kept as `{ $expr }`, never evaluated here. */
export type TemplateValue = string | number | boolean | null | { $expr: string } | TemplateValue[] | { [key: string]: TemplateValue };

export interface WorkflowProblem {
  /** `file:line:column` where the parser knew it, else the file. */
  at: string;
  message: string;
}

export interface WorkflowJob {
  id: string;
  line: number | undefined;
  /** Undefined for a reusable-workflow call (`uses:`), which has no runs-on of its own. */
  runsOn: TemplateValue | undefined;
  matrix: TemplateValue | undefined;
  needs: string[];
}

export interface ParsedWorkflow {
  file: string;
  problems: WorkflowProblem[];
  jobs: WorkflowJob[];
}

export function isExpr(v: TemplateValue | undefined): v is { $expr: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { $expr?: unknown }).$expr === "string" && Object.keys(v).length === 1;
}

function valueOf(t: TemplateToken): TemplateValue {
  if (isString(t)) return t.value;
  if (isNumber(t)) return t.value;
  if (isBoolean(t)) return t.value;
  if (isBasicExpression(t)) return { $expr: t.expression };
  if (isSequence(t)) return Array.from({ length: t.count }, (_, i) => valueOf(t.get(i)));
  if (isMapping(t)) {
    const out: Record<string, TemplateValue> = {};
    for (let i = 0; i < t.count; i++) {
      const pair = t.get(i);
      out[isString(pair.key) ? pair.key.value : String(pair.key)] = valueOf(pair.value);
    }
    return out;
  }
  return null;
}

/** The parser prefixes messages with the file and sometimes `(Line: l, Col: c)`; the location is given separately. */
function stripPrefix(file: string, message: string): string {
  const first = message.split("\n")[0]!.trim();
  return first.startsWith(`${file} (Line:`) ? first.replace(/^.*?\(Line: \d+, Col: \d+\):\s*/, "") : first.startsWith(`${file}:`) ? first.slice(file.length + 1).trim() : first;
}

export async function readWorkflow(file: string, content: string): Promise<ParsedWorkflow> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const problems: WorkflowProblem[] = parsed.context.errors.getErrors().map((e) => ({
    at: e.range ? `${file}:${e.range.start.line}:${e.range.start.column}` : file,
    message: stripPrefix(file, e.message),
  }));
  if (!parsed.value) return { file, problems, jobs: [] };
  // TryConversion: a job with a refused expression still yields its other jobs to route.
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: 1 });
  const jobs = template.jobs.map((j) => {
    const strategy = j.strategy ? valueOf(j.strategy) : undefined;
    const matrix = strategy && typeof strategy === "object" && !Array.isArray(strategy) && !isExpr(strategy) ? (strategy as Record<string, TemplateValue>).matrix : undefined;
    return {
      id: j.id.value,
      line: j.id.range?.start.line,
      runsOn: j.type === "job" && j["runs-on"] ? valueOf(j["runs-on"]) : undefined,
      matrix,
      needs: (j.needs ?? []).map((n) => n.value),
    };
  });
  return { file, problems, jobs };
}
