import { z } from "zod";
import type { KeyIssue } from "./errors";
import { didYouMean } from "./suggest";

/** Every object key that appears anywhere in a schema, for "did you mean" hints. */
export function knownKeys(schema: z.ZodType, into = new Set<string>()): Set<string> {
  if (schema instanceof z.ZodObject) {
    for (const [k, v] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      into.add(k);
      knownKeys(v, into);
    }
  } else if (schema instanceof z.ZodArray) {
    knownKeys(schema.element as z.ZodType, into);
  } else if (schema instanceof z.ZodUnion) {
    for (const o of schema.options as readonly z.ZodType[]) knownKeys(o, into);
  } else if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodNullable
  ) {
    knownKeys(schema.unwrap() as z.ZodType, into);
  } else if (schema instanceof z.ZodPipe) {
    knownKeys(schema.in as z.ZodType, into);
  }
  return into;
}

/** zod's issues as key paths and messages a platform engineer can act on. */
export function toKeyIssues(error: z.ZodError, known: Set<string>, prefix: (string | number)[] = []): KeyIssue[] {
  const knownList = [...known];
  const out: KeyIssue[] = [];
  for (const i of error.issues) {
    const path = [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys) out.push({ path: [...path, k], message: `unknown key${didYouMean(k, knownList)}` });
    } else if (i.code === "invalid_type" && i.input === undefined) {
      out.push({ path, message: `required (expected ${i.expected})` });
    } else {
      out.push({ path, message: i.message });
    }
  }
  return out;
}
