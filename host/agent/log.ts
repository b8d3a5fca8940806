/** JSON-lines logger that scrubs every registered secret, whatever path a value took to a log line. */
export class Logger {
  private readonly secrets = new Set<string>();

  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l + "\n")) {}

  /** Registers a value that must never appear in a log line (tokens, JIT configs, keys). */
  redact(value: string | undefined): void {
    if (value && value.length >= 8) this.secrets.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return out;
  }

  private emit(level: string, msg: string, fields: Record<string, unknown>): void {
    this.write(this.scrub(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })));
  }

  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("error", msg, fields);
  }
}
