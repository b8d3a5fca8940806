import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type KeyIssue } from "./errors";
import { OBJECT_KEYS, SECRET_KEYS, type StackConfig } from "./schema";
import { stackConfigSchema } from "./stack-schema";
import { didYouMean } from "./suggest";
import { knownKeys, toKeyIssues } from "./zod-issues";

/** What the loader needs of Pulumi's config: raw values, as the engine hands them to the program. */
export interface ConfigSource {
  project: string;
  stack: string;
  /** Every key, fully qualified (`runner-fleet:github`, `aws:region`), with its raw string value. */
  all(): Record<string, string>;
  isSecret(fullKey: string): boolean;
}

/**
 * Reads the running program's config. `isConfigSecret` is internal to the SDK, hence the guarded
 * cast; an SDK without it cannot tell, and then the clear-text check stands aside rather than
 * refusing every credential.
 */
export function pulumiConfigSource(): ConfigSource {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    all: () => pulumi.runtime.allConfig(),
    isSecret: (k) => (runtime.isConfigSecret ? runtime.isConfigSecret(k) : true),
  };
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

const CREDENTIAL_FOR = { token: "githubToken", app: "githubAppPrivateKey" } as const;
const PEM_KEY = /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END (RSA |EC )?PRIVATE KEY-----\s*$/;
const KNOWN = knownKeys(stackConfigSchema);

function parseRaw(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Exactly the credential `auth` needs is set, and it looks like one; values are never echoed. */
function credentialIssues(auth: StackConfig["github"]["auth"], get: (key: string) => string | undefined): KeyIssue[] {
  if (auth === "platform") {
    return Object.values(CREDENTIAL_FOR)
      .filter((k) => get(k) !== undefined)
      .map((k) => ({ path: [k], message: "is set but github.auth is platform (the platform stack's credential is used); remove it" }));
  }
  const issues: KeyIssue[] = [];
  const needed = CREDENTIAL_FOR[auth];
  const other = CREDENTIAL_FOR[auth === "app" ? "token" : "app"];
  const value = get(needed);
  if (value === undefined || value.trim() === "") {
    const how = auth === "app" ? `pulumi config set --secret ${needed} < app-private-key.pem` : `pulumi config set --secret ${needed}`;
    issues.push({ path: [needed], message: `required when github.auth is ${auth}; set it with \`${how}\`` });
  } else if (auth === "app" && !PEM_KEY.test(value)) {
    issues.push({ path: [needed], message: "is not a PEM private key (expected the .pem file GitHub gave you, BEGIN … PRIVATE KEY)" });
  } else if (auth === "token" && /\s/.test(value.trim())) {
    issues.push({ path: [needed], message: "contains whitespace; a GitHub token is one word" });
  }
  if (get(other) !== undefined) issues.push({ path: [other], message: `is set but github.auth is ${auth}; remove it so one credential is in use` });
  return issues;
}

/**
 * Validates this stack's config, defaults it, and checks the credential keys without revealing
 * them. Throws one ConfigError listing every problem, so a user fixes the file in one pass.
 */
export function parseStackConfig(source: ConfigSource): StackConfig {
  const ns = `${source.project}:`;
  const all = source.all();
  const raw: Record<string, unknown> = {};
  const issues: KeyIssue[] = [];
  const topKeys: readonly string[] = [...OBJECT_KEYS, ...SECRET_KEYS];
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(ns)) continue;
    const key = fullKey.slice(ns.length);
    if ((OBJECT_KEYS as readonly string[]).includes(key)) raw[key] = parseRaw(value);
    else if (!(SECRET_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: [key], message: `unknown key${didYouMean(key, topKeys)}` });
    }
  }
  for (const key of SECRET_KEYS) {
    const fullKey = ns + key;
    if (all[fullKey] !== undefined && !source.isSecret(fullKey)) {
      issues.push({
        path: [key],
        message: `is stored in clear text; remove it and run \`pulumi config set --secret ${key}\` (a credential is only ever kept encrypted)`,
      });
    }
  }

  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) issues.push(...toKeyIssues(parsed.error, KNOWN));
  else {
    issues.push(...credentialIssues(parsed.data.github.auth, (k) => all[ns + k]));
    const needsAws = parsed.data.cluster?.type === "eks" ? "an EKS cluster" : parsed.data.hostPools.length > 0 ? "host pools" : undefined;
    if (needsAws && !all["aws:region"]) {
      issues.push({ namespace: "aws", path: ["region"], message: `required for ${needsAws}; set it with \`pulumi config set aws:region <region>\`` });
    }
    if (all[ns + "kubeconfig"] !== undefined && parsed.data.cluster?.type !== "existing") {
      issues.push({ path: ["kubeconfig"], message: "is only used with cluster.type existing" });
    }
  }
  if (issues.length > 0) throw new ConfigError(stackFileName(source.stack), source.project, issues);
  return parsed.data!;
}
