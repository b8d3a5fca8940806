/**
 * The control plane's only logger: one JSON object per line on stdout, which Lambda ships to the
 * function's CloudWatch log group. Every line passes through the redactor last, after
 * serialisation, so a secret is caught wherever it hides (a field, an error message, a stack).
 */

const REDACTED = "[redacted]";

/** Field names whose values are never written, whatever they hold. */
const SECRET_KEY = /token|secret(?!arn)|password|private_?key|authorization|jit_?config|credential(?!secretarn)/i;

/**
 * Shapes of GitHub and PEM secrets, caught even when nobody registered them (an installation token
 * minted by auth-app, a JWT): GitHub's token prefixes (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_),
 * JWTs, PEM blocks (raw or JSON-escaped), Bearer/token authorization values.
 */
const SECRET_SHAPES: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:Bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
];

/** Exact values to hide: the credential read from Secrets Manager, JIT configs handed out. */
class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    // Short values would blank out ordinary words; the shapes above cover short tokens anyway.
    if (secret.length < 8) return;
    this.secrets.add(secret);
    // As it appears inside a JSON string (a PEM's newlines become \n).
    this.secrets.add(JSON.stringify(secret).slice(1, -1));
    // And each line of a multi-line secret (a PEM body printed line by line).
    for (const line of secret.split(/\r?\n/)) if (line.length >= 16) this.secrets.add(line);
  }

  redact(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    for (const re of SECRET_SHAPES) out = out.replace(re, REDACTED);
    return out;
  }
}

export const redactor = new Redactor();

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `fields` too (e.g. the pool, the request id). */
  child(fields: LogFields): Logger;
}

/** Where lines go: stdout in Lambda; tests collect them. */
export type LineSink = (line: string) => void;

function plain(value: unknown, depth: number): unknown {
  if (depth > 6) return "[deep]";
  if (value instanceof Error) {
    const e = value as Error & { status?: unknown; code?: unknown; kind?: unknown };
    return { name: e.name, message: e.message, status: e.status, code: e.code, kind: e.kind };
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : plain(v, depth + 1);
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

class JsonLogger implements Logger {
  constructor(
    private readonly sink: LineSink,
    private readonly base: LogFields,
  ) {}

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    const record = plain({ ...this.base, ...fields, level, msg, time: new Date().toISOString() }, 0);
    this.sink(redactor.redact(JSON.stringify(record)));
  }

  debug(msg: string, fields?: LogFields): void {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write("error", msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.sink, { ...this.base, ...fields });
  }
}

export function createLogger(sink: LineSink = (line) => process.stdout.write(line + "\n"), base: LogFields = {}): Logger {
  return new JsonLogger(sink, base);
}
