import Ajv, { type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../helpers/env";

/**
 * GitHub's REST description from @octokit/openapi (api.github.com.json, OpenAPI 3.0), as the
 * judge of the GitHub stand-in: every route it serves must be an operation there, every request's
 * path and query parameters and body must fit the operation, and every response body must fit the
 * schema documented for its status. Nobody here wrote these schemas.
 */
type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

const SPEC_ID = "https://api.github.com/openapi.json";

export class GitHubOpenApi {
  private readonly spec: { paths: Record<string, Record<string, Operation>>; components: Json };
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; re: RegExp; names: string[] }[] = [];

  constructor(file = "api.github.com.json") {
    this.spec = JSON.parse(readFileSync(join(REPO, "node_modules/@octokit/openapi/generated", file), "utf8"));
    // OpenAPI 3.0's `nullable` is understood by Ajv 8; `example`, `discriminator` and the like are ignored.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
    this.ajv.addSchema({ $id: SPEC_ID, components: this.spec.components }, undefined, undefined, false);
    for (const [template, ops] of Object.entries(this.spec.paths)) {
      const names: string[] = [];
      const re = new RegExp(
        "^" +
          template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, n: string) => {
            names.push(n);
            return "([^/]+)";
          }) +
          "$",
      );
      for (const method of Object.keys(ops)) if (method !== "parameters") this.routes.push({ method: method.toUpperCase(), template, re, names });
    }
  }

  /** The documented operation a request hits, with its path parameters, or undefined. */
  match(method: string, path: string): { template: string; params: Record<string, string>; operation: Operation } | undefined {
    // A literal route wins over a templated one (/releases/latest before /releases/{release_id}).
    const hits = this.routes.filter((r) => r.method === method && r.re.test(path)).sort((a, b) => a.names.length - b.names.length);
    const r = hits[0];
    if (!r) return undefined;
    const m = r.re.exec(path)!;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { template: r.template, params, operation: this.spec.paths[r.template]![method.toLowerCase()]! };
  }

  private deref<T>(o: T): T {
    let cur: unknown = o;
    while (cur && typeof cur === "object" && typeof (cur as { $ref?: unknown }).$ref === "string") {
      const ref = (cur as { $ref: string }).$ref;
      cur = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<unknown>((acc, k) => (acc as Json)[k.replace(/~1/g, "/").replace(/~0/g, "~")], this.spec);
    }
    return cur as T;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      const rebased = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${SPEC_ID}#/`));
      v = this.ajv.compile(rebased as Json);
      this.cache.set(key, v);
    }
    return v;
  }

  private check(key: string, schema: unknown, value: unknown): string[] {
    const v = this.validator(key, schema);
    return v(value) ? [] : (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "(root)"} ${e.message}`);
  }

  /** Problems with a request: path/query parameters and JSON body against the operation. */
  requestProblems(method: string, template: string, params: Record<string, string>, query: URLSearchParams, body: unknown): string[] {
    const op = this.spec.paths[template]![method.toLowerCase()]!;
    const problems: string[] = [];
    const declared = (op.parameters ?? []).map((p) => this.deref(p) as { name: string; in: string; required?: boolean; schema: Json; description?: string });
    for (const p of declared) {
      const raw = p.in === "path" ? params[p.name] : p.in === "query" ? (query.get(p.name) ?? undefined) : undefined;
      if (raw === undefined) {
        if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const type = (this.deref(p.schema) as { type?: string }).type;
      const value = type === "integer" || type === "number" ? Number(raw) : type === "boolean" ? raw === "true" : raw;
      if ((type === "integer" && !/^-?\d+$/.test(raw)) || (type === "boolean" && raw !== "true" && raw !== "false")) problems.push(`${p.name}=${raw} is not ${type}`);
      else problems.push(...this.check(`${op.operationId} param ${p.name}`, p.schema, value).map((m) => `${p.name}: ${m}`));
      // Limits GitHub states in prose only, e.g. per_page "(max 100)".
      const max = /\(max (\d+)\)/.exec(p.description ?? "");
      if (max && typeof value === "number" && value > Number(max[1])) problems.push(`${p.name}=${raw} is over the documented max ${max[1]}`);
    }
    for (const name of query.keys()) if (!declared.some((p) => p.in === "query" && p.name === name)) problems.push(`undeclared query parameter ${name}`);
    const rb = op.requestBody ? (this.deref(op.requestBody) as { required?: boolean; content?: Record<string, { schema: Json }> }) : undefined;
    const schema = rb?.content?.["application/json"]?.schema;
    if (body !== undefined && !schema) problems.push("a body the operation does not take");
    if (body === undefined && rb?.required) problems.push("missing required body");
    if (body !== undefined && schema) problems.push(...this.check(`${op.operationId} body`, schema, body).map((m) => `body${m}`));
    return problems;
  }

  /** Problems with a response: its status must be documented and its JSON body fit that status's schema. */
  responseProblems(method: string, template: string, status: number, body: unknown): string[] {
    const op = this.spec.paths[template]![method.toLowerCase()]!;
    const res = op.responses[String(status)];
    if (!res) return [`status ${status} is not documented for ${op.operationId}`];
    const content = (this.deref(res) as { content?: Record<string, { schema: Json }> }).content;
    const schema = content?.["application/json"]?.schema;
    if (!schema) return body === undefined ? [] : [`${op.operationId} ${status} documents no body`];
    return this.check(`${op.operationId} ${status}`, schema, body);
  }

  /** A schema from components, for tests that build bodies (e.g. "release-asset"). */
  schema(name: string): Json {
    return (this.spec.components.schemas as Record<string, Json>)[name]!;
  }
}
