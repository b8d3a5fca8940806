import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, YAMLParseError } from "yaml";
import type { ConfigSource } from "../config/load";

export const PROJECT = "runner-fleet";

/** A stack file's config as the Pulumi engine would hand it to the program, with secrets stubbed. */
export interface StackFileConfig {
  file: string;
  stack: string;
  /** Fully qualified key → raw value (JSON text for objects and arrays, as the engine passes them). */
  config: Record<string, string>;
  secretKeys: string[];
  /** What the offline render stood in for, to say so. */
  notes: string[];
}

export const PLACEHOLDER_TOKEN = "placeholder-github-token";
export const PLACEHOLDER_PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nplaceholder\n-----END RSA PRIVATE KEY-----\n";
export const PLACEHOLDER_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n";

type Yaml = unknown;

/** A stack file that is not YAML: one line `Pulumi.x.yaml:9:1: …`, like a compiler's. */
export class StackFileSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: string,
  ) {
    super(line);
    this.name = "StackFileSyntaxError";
  }
}

/** Parses YAML text, naming the file, line and column of a syntax error. */
export function parseYamlFile(file: string, text: string): Yaml {
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof YAMLParseError)) throw e;
    const pos = e.linePos?.[0];
    const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileSyntaxError(file, `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: ${what}`);
  }
}

function isSecure(v: Yaml): v is { secure: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** Replaces every `{secure: …}` with a placeholder; reports whether it found any. */
function stubSecure(v: Yaml, key: string): { value: Yaml; secret: boolean } {
  if (isSecure(v)) return { value: `[secret ${key}]`, secret: true };
  if (Array.isArray(v)) {
    const items = v.map((x) => stubSecure(x, key));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, stubSecure(x, key)] as const);
    return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secret: entries.some(([, x]) => x.secret) };
  }
  return { value: v, secret: false };
}

function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** The project-level defaults of Pulumi.yaml's `config:` declarations. */
function projectDefaults(dir: string, project: string): Record<string, Yaml> {
  const file = join(dir, "Pulumi.yaml");
  if (!existsSync(file)) return {};
  const doc = parse(readFileSync(file, "utf8")) as { config?: Record<string, { default?: Yaml } | Yaml> } | null;
  const out: Record<string, Yaml> = {};
  for (const [k, decl] of Object.entries(doc?.config ?? {})) {
    if (typeof decl === "object" && decl !== null && "default" in decl) out[qualify(k, project)] = (decl as { default?: Yaml }).default;
    else if (typeof decl !== "object") out[qualify(k, project)] = decl;
  }
  return out;
}

/**
 * Reads `Pulumi.<stack>.yaml` in `dir`. Secure values cannot be decrypted offline: they become
 * placeholders marked secret, and a credential the file leaves to `pulumi config set --secret`
 * gets a placeholder too, so a stack renders without anybody's keys.
 */
export function readStackFile(dir: string, stack: string, project = PROJECT): StackFileConfig {
  const file = `Pulumi.${stack}.yaml`;
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${file}: no such stack file in ${dir}`);
  const doc = parseYamlFile(file, readFileSync(path, "utf8")) as { config?: Record<string, Yaml>; environment?: Yaml } | null;
  const notes: string[] = [];
  if (doc?.environment !== undefined) {
    notes.push(`${file} imports Pulumi ESC environment(s) ${JSON.stringify(doc.environment)}; they cannot be opened offline, so their values are stood in for`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const merged = { ...projectDefaults(dir, project), ...Object.fromEntries(Object.entries(doc?.config ?? {}).map(([k, v]) => [qualify(k, project), v])) };
  for (const [key, raw] of Object.entries(merged)) {
    const { value, secret } = stubSecure(raw, key);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  const credentialKey = authCredentialKey(config[`${project}:github`], project);
  if (credentialKey && config[credentialKey] === undefined) {
    config[credentialKey] = credentialKey.endsWith("githubAppPrivateKey") ? PLACEHOLDER_PRIVATE_KEY : PLACEHOLDER_TOKEN;
    secretKeys.push(credentialKey);
    notes.push(`${credentialKey} is not in ${file} (set with pulumi config set --secret); rendered with a placeholder`);
  }
  for (const k of secretKeys) {
    if (config[k]?.startsWith("[secret ")) {
      config[k] = k.endsWith("githubAppPrivateKey") ? PLACEHOLDER_PRIVATE_KEY : k.endsWith("kubeconfig") ? PLACEHOLDER_KUBECONFIG : PLACEHOLDER_TOKEN;
    }
  }
  return { file, stack, config, secretKeys, notes };
}

function authCredentialKey(githubJson: string | undefined, project: string): string | undefined {
  if (githubJson === undefined) return undefined;
  try {
    const auth = (JSON.parse(githubJson) as { auth?: unknown }).auth;
    if (auth === "app") return `${project}:githubAppPrivateKey`;
    if (auth === "token") return `${project}:githubToken`;
  } catch {
    // An unparseable github key is reported by the schema, with its key path.
  }
  return undefined;
}

/** The stack of a `Pulumi.<stack>.yaml` file name, or undefined for any other file. */
export function stackOfFile(file: string): string | undefined {
  return /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1];
}

/** Every stack with a stack file in `dir`, sorted. */
export function listStacks(dir: string): string[] {
  return readdirSync(dir)
    .map(stackOfFile)
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A stack file's config as the program's config loader reads it. */
export function stackFileSource(file: StackFileConfig, project = PROJECT): ConfigSource {
  return { project, stack: file.stack, all: () => file.config, isSecret: (k) => file.secretKeys.includes(k) };
}
