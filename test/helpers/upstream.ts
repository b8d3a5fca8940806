import Ajv, { type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { UPSTREAM } from "./env";

type Schema = { [k: string]: unknown };

/**
 * Kubernetes prunes unknown fields instead of rejecting them; a strict apply rejects them. Close
 * every object schema that lists its properties, so a typo'd field fails here as it would there.
 */
function closeObjects(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(closeObjects);
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) if (!k.startsWith("x-kubernetes-")) out[k] = closeObjects(v);
  const src = s as Schema;
  if (src.properties && src.additionalProperties === undefined && !src["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

const validators = new Map<string, ValidateFunction>();

/**
 * A validator for one PodTemplateSpec field of the AutoscalingRunnerSet CRD's spec: `template` (the
 * runner pod) or `listenerTemplate` (the listener pod).
 */
export function podTemplateValidator(field: "template" | "listenerTemplate" = "template"): ValidateFunction {
  const known = validators.get(field);
  if (known) return known;
  const crd = parse(readFileSync(join(UPSTREAM, "crds/actions.github.com_autoscalingrunnersets.yaml"), "utf8")) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
  };
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema as { properties: { spec: { properties: Record<string, Schema> } } };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validator = ajv.compile(closeObjects(root.properties.spec.properties[field]!) as Schema);
  validators.set(field, validator);
  return validator;
}

/**
 * Every key path a chart's values.yaml documents, set or commented out (`# maxRunners: 5`,
 * `#   kubernetesModeWorkVolumeClaim:`). Prose comments start with `##` and are skipped.
 */
export function documentedValuePaths(chartFile: string): Set<string> {
  const text = readFileSync(join(UPSTREAM, "charts", chartFile), "utf8");
  const paths = new Set<string>();
  const stack: { indent: number; key: string }[] = [];
  for (const raw of text.split("\n")) {
    if (/^\s*##/.test(raw)) continue;
    const line = raw.replace(/^(\s*)# ?/, "$1");
    const m = /^(\s*)(?:- )?([A-Za-z_][\w.-]*):(\s|$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack.push({ indent, key: m[2]! });
    paths.add(stack.map((s) => s.key).join("."));
  }
  return paths;
}

/** Leaf key paths of a values object, not descending into the given free-form subtrees. */
export function valuePaths(v: unknown, opaque: string[], prefix = ""): string[] {
  if (v === null || typeof v !== "object" || Array.isArray(v) || opaque.includes(prefix)) return prefix ? [prefix] : [];
  return Object.entries(v).flatMap(([k, x]) => valuePaths(x, opaque, prefix ? `${prefix}.${k}` : k));
}
