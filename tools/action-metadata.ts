import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Checks an action's metadata (action.yml, already parsed) against what actions/runner accepts
 * (src/Runner.Worker/action_yaml.json and ActionManifestManager.cs, v2.336.0) and what this
 * project allows: JavaScript actions on node24 only (GitHub moved runners off Node 20). Returns
 * one line per problem; `dir` is the action's directory, to find its entry points.
 */
export const NODE_RUNS = new Set(["using", "main", "pre", "pre-if", "post", "post-if"]);
// A composite action has only `using` and `steps`: the runner ignores any other key (so a `post:`
// there never runs) and keeps its post steps empty.
export const COMPOSITE_RUNS = new Set(["using", "steps"]);
const RETIRED_NODE = new Set(["node12", "node16", "node20"]);
/** Contexts an input default may use (action_yaml.json input-default-context). */
export const DEFAULT_CONTEXTS = /^(github|strategy|matrix|job|runner)\b|^hashFiles\(/;

type Meta = Record<string, unknown>;
const isMap = (v: unknown): v is Meta => typeof v === "object" && v !== null && !Array.isArray(v);

export function checkActionMetadata(meta: unknown, dir: string): string[] {
  const problems: string[] = [];
  if (!isMap(meta)) return ["not a mapping"];
  for (const k of ["name", "description"]) if (typeof meta[k] !== "string" || meta[k] === "") problems.push(`${k}: required`);

  const inputs = meta.inputs ?? {};
  if (!isMap(inputs)) problems.push("inputs: not a mapping");
  else {
    for (const [name, spec] of Object.entries(inputs)) {
      if (!isMap(spec) || typeof spec.description !== "string") problems.push(`inputs.${name}.description: required`);
      const d = isMap(spec) ? spec.default : undefined;
      if (d !== undefined && typeof d !== "string") problems.push(`inputs.${name}.default: must be a string (quote it)`);
      for (const m of String(d ?? "").matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)) {
        if (!DEFAULT_CONTEXTS.test(m[1]!)) problems.push(`inputs.${name}.default: '${m[1]}' uses a context a default cannot (github, strategy, matrix, job, runner, hashFiles)`);
      }
    }
  }

  const runs = meta.runs;
  if (!isMap(runs)) return [...problems, "runs: required"];
  const using = String(runs.using ?? "");
  const keys = Object.keys(runs);
  if (RETIRED_NODE.has(using)) problems.push(`runs.using: ${using} is retired; use node24`);
  else if (using === "node24") {
    for (const k of keys) if (!NODE_RUNS.has(k)) problems.push(`runs.${k}: not a key of a node action`);
    for (const k of ["main", "pre", "post"]) {
      const entry = runs[k];
      if (k === "main" && typeof entry !== "string") problems.push("runs.main: required");
      if (typeof entry === "string" && !existsSync(join(dir, entry))) problems.push(`runs.${k}: ${entry} does not exist`);
    }
    if (runs["post-if"] !== undefined && runs.post === undefined) problems.push("runs.post-if: without runs.post");
    if (isMap(meta.outputs)) for (const [o, spec] of Object.entries(meta.outputs)) if (isMap(spec) && "value" in spec) problems.push(`outputs.${o}.value: only composite actions set output values`);
  } else if (using === "composite") {
    for (const k of keys) if (!COMPOSITE_RUNS.has(k)) problems.push(`runs.${k}: a composite action cannot have it (the runner ignores it)`);
    if (!Array.isArray(runs.steps)) problems.push("runs.steps: required");
  } else if (using !== "docker") {
    problems.push(`runs.using: '${using}' is not node24, composite or docker`);
  }
  return problems;
}
