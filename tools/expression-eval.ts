import { data, Evaluator, Lexer, Parser } from "@actions/expressions";

/** What a value a workflow cannot know offline (an issue number, a job's output) becomes in a string. */
export const WILDCARD = "\u0000*\u0000";

/** A JSON-like value as GitHub's expression data (what `matrix`, `needs`… hold). */
export function toExpressionData(v: unknown): data.ExpressionData {
  if (v === null || v === undefined) return new data.Null();
  if (typeof v === "string") return new data.StringData(v);
  if (typeof v === "number") return new data.NumberData(v);
  if (typeof v === "boolean") return new data.BooleanData(v);
  if (Array.isArray(v)) return new data.Array(...v.map(toExpressionData));
  return new data.Dictionary(...Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: toExpressionData(value) })));
}

/** Any context the workflow only knows at run time: every lookup yields another unknown, a string of it the wildcard. */
class Unknown extends data.Dictionary {
  constructor(private readonly seen: { touched: boolean }) {
    super();
  }
  override get(): data.ExpressionData {
    this.seen.touched = true;
    return new Unknown(this.seen);
  }
  override coerceString(): string {
    this.seen.touched = true;
    return WILDCARD;
  }
}

const RUN_TIME_CONTEXTS = ["github", "needs", "vars", "inputs", "env", "secrets", "steps", "job", "jobs", "runner", "strategy"];

export type Evaluated =
  | { kind: "value"; value: data.ExpressionData }
  /** A string with WILDCARD where a run-time value goes. */
  | { kind: "pattern"; value: string }
  | { kind: "unknown"; why: string };

/**
 * Evaluates an expression with GitHub's own evaluator (@actions/expressions). `known` holds the
 * contexts known offline (a matrix combination, or a route job's output in tests); the rest are
 * run-time values.
 */
export function evaluate(expression: string, known: Record<string, unknown> = {}): Evaluated {
  const seen = { touched: false };
  try {
    const lexed = new Lexer(expression).lex();
    const contexts = [...new Set([...RUN_TIME_CONTEXTS, ...Object.keys(known)])];
    const tree = new Parser(lexed.tokens, contexts, []).parse();
    const ctx = new data.Dictionary(...contexts.map((key) => ({ key, value: key in known ? toExpressionData(known[key]) : (new Unknown(seen) as data.ExpressionData) })));
    const value = new Evaluator(tree, ctx).evaluate();
    if (value.kind === data.Kind.String && value.coerceString().includes(WILDCARD)) return { kind: "pattern", value: value.coerceString() };
    if (seen.touched) return { kind: "unknown", why: `\${{ ${expression} }} depends on values known only when the workflow runs` };
    return { kind: "value", value };
  } catch (e) {
    return { kind: "unknown", why: `\${{ ${expression} }}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
