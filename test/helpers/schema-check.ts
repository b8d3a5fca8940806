/*
 * Checks a Pulumi YAML program's resources against a package schema (the subset of
 * https://www.pulumi.com/docs/iac/using-pulumi/pulumi-packages/schema/ that components use): every
 * resource type exists, every property is an input of that type with a value of the right type,
 * required inputs are given, and plain inputs get literal values (an `${…}` expression is an
 * Output, which a plain input cannot take).
 */

type Json = { [k: string]: unknown };
export interface PackageSchema {
  name: string;
  resources: Record<string, { inputProperties?: Record<string, Json>; requiredInputs?: string[]; properties?: Record<string, Json> }>;
  types: Record<string, Json>;
}

const isExpression = (v: unknown): boolean => typeof v === "string" && /^\$\{[^}]+\}$/.test(v);

function checkValue(schema: PackageSchema, spec: Json, value: unknown, at: string, problems: string[]): void {
  if (isExpression(value)) {
    if (spec.plain === true) problems.push(`${at}: a plain input takes a literal, not ${String(value)}`);
    return;
  }
  const ref = spec.$ref as string | undefined;
  if (ref !== undefined) {
    const name = ref.replace(/^#\/types\//, "");
    const type = schema.types[name];
    if (!type) return void problems.push(`${at}: unknown type ${ref}`);
    if (Array.isArray(type.enum)) {
      const allowed = (type.enum as { value: unknown }[]).map((e) => e.value);
      if (!allowed.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
      return;
    }
    return checkObject(schema, (type.properties as Record<string, Json>) ?? {}, (type.required as string[]) ?? [], value, at, problems);
  }
  switch (spec.type) {
    case "string":
      if (typeof value !== "string") problems.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case "number":
    case "integer":
      if (typeof value !== "number") problems.push(`${at}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case "array":
      if (!Array.isArray(value)) return void problems.push(`${at}: expected a list`);
      value.forEach((v, i) => checkValue(schema, spec.items as Json, v, `${at}[${i}]`, problems));
      return;
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return void problems.push(`${at}: expected a map`);
      for (const [k, v] of Object.entries(value)) checkValue(schema, spec.additionalProperties as Json, v, `${at}.${k}`, problems);
      return;
    default:
      problems.push(`${at}: the schema gives no type (${JSON.stringify(spec)})`);
  }
}

function checkObject(schema: PackageSchema, props: Record<string, Json>, required: string[], value: unknown, at: string, problems: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return void problems.push(`${at}: expected an object`);
  for (const [k, v] of Object.entries(value)) {
    const spec = props[k];
    if (!spec) problems.push(`${at}.${k}: no such property`);
    else checkValue(schema, spec, v, `${at}.${k}`, problems);
  }
  for (const r of required) if (!(r in value)) problems.push(`${at}.${r}: required`);
}

/** Problems of a YAML program's resources and output references against the schema; [] when it fits. */
export function checkYamlProgram(schema: PackageSchema, program: Json): string[] {
  const problems: string[] = [];
  const resources = (program.resources ?? {}) as Record<string, { type: string; properties?: Json }>;
  const token = (t: string): string => (t.split(":").length === 2 ? t.replace(":", ":index:") : t);
  for (const [name, r] of Object.entries(resources)) {
    const type = schema.resources[token(r.type)];
    if (!type) {
      problems.push(`resources.${name}: unknown type ${r.type}`);
      continue;
    }
    checkObject(schema, type.inputProperties ?? {}, type.requiredInputs ?? [], r.properties ?? {}, `resources.${name}.properties`, problems);
  }
  for (const [k, v] of Object.entries((program.outputs ?? {}) as Record<string, unknown>)) {
    const m = typeof v === "string" ? /^\$\{(\w+)\.(\w+)\}$/.exec(v) : null;
    if (!m) continue;
    const r = resources[m[1]!];
    if (!r || !schema.resources[token(r.type)]?.properties?.[m[2]!]) problems.push(`outputs.${k}: ${v} names no output of the schema`);
  }
  return problems;
}
