import { z } from "zod";
import { CONFIG_DESCRIPTIONS } from "./descriptions";
import { stackConfigObject } from "./schema";

/*
 * The stack file's keys as the zod schema has them (type, default, allowed values), with the
 * description of each from descriptions.ts: what the configuration reference (docs/configuration.md)
 * and the public component args (components/fleet/args.ts) are generated from, so neither can say
 * something the schema does not.
 */

type Json = { [k: string]: unknown };

export interface KeyReference {
  /** `hostPools[].capacity.min`; a cluster key is `cluster.<key>` whichever cluster types have it. */
  path: string;
  /** Which cluster types have the key (cluster keys only). */
  variants?: string[];
  type: string;
  required: boolean;
  /** The default, per cluster type for cluster keys (`{"kind": "standard", "eks": "gp3"}`). */
  defaults: { variant?: string; value: unknown }[];
  enum?: (string | number)[];
  /** A literal the key must have (a cluster's `type`). */
  constValue?: string;
  description: string;
  /** For objects and arrays of objects: the keys inside, in schema order. */
  children?: KeyReference[];
  itemType?: string;
}

/** A team's runner groups are the same shape as the platform's, and described once. */
function describe(path: string): string {
  return CONFIG_DESCRIPTIONS[path] ?? CONFIG_DESCRIPTIONS[path.replace(/^teams\[\]\./, "")] ?? "";
}

function typeOf(s: Json): string {
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeOf).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((e) => JSON.stringify(e)).join(" | ");
  if (s.type === "array") {
    const item = typeOf(s.items as Json);
    return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
  }
  if (s.type === "object" && s.properties === undefined) return `map of ${typeOf((s.additionalProperties as Json | undefined) ?? {})}`;
  return typeof s.type === "string" ? s.type : "any";
}

function walk(s: Json, path: string, required: boolean, variant?: string): KeyReference {
  const ref: KeyReference = { path, type: typeOf(s), required, defaults: "default" in s ? [{ ...(variant ? { variant } : {}), value: s.default }] : [], description: describe(path) };
  if (Array.isArray(s.enum)) ref.enum = s.enum as (string | number)[];
  if (s.type === "array" && Array.isArray((s.items as Json).enum)) ref.enum = (s.items as Json).enum as (string | number)[];
  if (Array.isArray(s.anyOf) && (s.anyOf as Json[]).every((a) => a.const !== undefined)) ref.enum = (s.anyOf as Json[]).map((a) => a.const as string | number);
  if (typeof s.const === "string") ref.constValue = s.const;
  const object = s.type === "object" && s.properties ? s : s.type === "array" && (s.items as Json).properties ? (s.items as Json) : undefined;
  if (s.type === "array") ref.itemType = typeOf(s.items as Json);
  if (object) {
    const inner = s.type === "array" ? `${path}[]` : path;
    const req = new Set((object.required as string[] | undefined) ?? []);
    // A cluster type's defaults are told apart only at the cluster's own keys.
    ref.children = Object.entries(object.properties as Record<string, Json>).map(([k, v]) => walk(v, `${inner}.${k}`, req.has(k)));
  }
  return ref;
}

/** The cluster's variants as one object: each key once, with the types that have it and their defaults. */
function mergeVariants(s: Json, path: string): KeyReference {
  const variants = (s.oneOf ?? s.anyOf) as Json[];
  const byKey = new Map<string, KeyReference>();
  const types: string[] = [];
  for (const v of variants) {
    const type = ((v.properties as Record<string, Json>).type!.const as string) ?? "";
    types.push(type);
    const req = new Set((v.required as string[] | undefined) ?? []);
    for (const [k, p] of Object.entries(v.properties as Record<string, Json>)) {
      const ref = walk(p, `${path}.${k}`, req.has(k), type);
      const seen = byKey.get(k);
      if (!seen) byKey.set(k, { ...ref, variants: [type] });
      else {
        seen.variants!.push(type);
        seen.defaults.push(...ref.defaults);
        seen.required = seen.required && ref.required;
        if (k === "type") seen.enum = [...(seen.enum ?? [seen.constValue!]), ref.constValue!];
      }
    }
  }
  const type = byKey.get("type")!;
  type.enum = types;
  type.type = types.map((t) => JSON.stringify(t)).join(" | ");
  delete type.constValue;
  type.defaults = [];
  for (const k of byKey.values()) {
    // A key some cluster types lack cannot be required of the merged object.
    if (k.variants!.length < types.length) k.required = false;
    else delete k.variants;
  }
  return { path, type: "object", required: false, defaults: [], description: describe(path), children: [...byKey.values()] };
}

/** Every key of the stack file, in schema order. */
export function configReference(): KeyReference[] {
  const root = z.toJSONSchema(stackConfigObject, { io: "input", unrepresentable: "any" }) as Json;
  const req = new Set((root.required as string[] | undefined) ?? []);
  return Object.entries(root.properties as Record<string, Json>).map(([k, v]) => (v.oneOf || (Array.isArray(v.anyOf) && (v.anyOf as Json[])[0]?.properties) ? mergeVariants(v, k) : walk(v, k, req.has(k))));
}

/** Every key, depth first. */
export function allKeys(refs: KeyReference[] = configReference()): KeyReference[] {
  return refs.flatMap((r) => [r, ...allKeys(r.children ?? [])]);
}

/** "Default: `x`." or per cluster type; "" without a default. */
export function defaultSentence(ref: KeyReference): string {
  if (ref.defaults.length === 0) return "";
  const fmt = (v: unknown): string => `\`${JSON.stringify(v)}\``;
  if (ref.defaults.every((d) => d.variant === undefined)) return `Default: ${fmt(ref.defaults[0]!.value)}.`;
  return `Default: ${ref.defaults.map((d) => `${fmt(d.value)} (${d.variant})`).join("; ")}.`;
}
