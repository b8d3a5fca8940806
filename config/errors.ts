import * as pulumi from "@pulumi/pulumi";

export type KeyPath = readonly (string | number)[];
export interface KeyIssue {
  path: KeyPath;
  message: string;
  /** Another provider's key (`aws:region`); default: this project's namespace. */
  namespace?: string;
}

/** `runnerSets[2].maxRunners` from ["runnerSets", 2, "maxRunners"]. */
export function formatKeyPath(path: KeyPath): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

/**
 * A stack file that does not describe a valid fleet. A RunError, so that `pulumi up` prints the
 * keyed lines and no stack trace; it is thrown before any resource is registered.
 */
export class ConfigError extends pulumi.RunError {
  readonly stackFile: string;
  readonly issues: readonly KeyIssue[];
  readonly lines: readonly string[];

  constructor(stackFile: string, project: string, issues: readonly KeyIssue[]) {
    const lines = issues.map((i) => `${stackFile}: ${i.namespace ?? project}:${formatKeyPath(i.path)}: ${i.message}`);
    super(`invalid stack configuration:\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.stackFile = stackFile;
    this.issues = issues;
    this.lines = lines;
  }

  static isConfigError(e: unknown): e is ConfigError {
    return e instanceof Error && e.name === "ConfigError" && Array.isArray((e as ConfigError).lines);
  }
}
