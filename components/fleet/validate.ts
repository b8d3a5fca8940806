import * as pulumi from "@pulumi/pulumi";
import type { GithubCredentialValue } from "../../config/credentials";
import { ConfigError, type KeyIssue } from "../../config/errors";
import type { StackConfig } from "../../config/schema";
import { stackConfigSchema } from "../../config/stack-schema";
import { knownKeys, toKeyIssues } from "../../config/zod-issues";

const KNOWN = knownKeys(stackConfigSchema);

/**
 * A component's args through the stack file's schema and cross-checks, so a component and a
 * stack file are validated by the same rules and a mistake is named by its key
 * (`RunnerFleet "fleet": runner-fleet:hostPools[0].labels: …`) before anything is registered.
 */
export function validated(component: string, name: string, raw: Record<string, unknown>, extra: KeyIssue[] = []): StackConfig {
  const parsed = stackConfigSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : toKeyIssues(parsed.error, KNOWN)), ...extra];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(`${component} "${name}"`, "runner-fleet", issues);
  return parsed.data;
}

/** The credential inputs a component takes: the one `github.auth` names, and only it. */
export interface CredentialInputs {
  githubToken?: pulumi.Input<string>;
  githubAppPrivateKey?: pulumi.Input<string>;
}

export function credentialIssues(auth: string, c: CredentialInputs): KeyIssue[] {
  if (auth === "platform") return [{ path: ["github", "auth"], message: "platform is for team stacks, which read their platform's credential; a component needs its own (app or token)" }];
  const needed = auth === "app" ? "githubAppPrivateKey" : "githubToken";
  const other = auth === "app" ? "githubToken" : "githubAppPrivateKey";
  const issues: KeyIssue[] = [];
  if (c[needed] === undefined) issues.push({ path: [needed], message: `required when github.auth is ${auth}` });
  if (c[other] !== undefined) issues.push({ path: [other], message: `is set but github.auth is ${auth}; give one credential` });
  return issues;
}

/** The credential as one secret Output, as the stack reads it from its config. */
export function credentialOutput(cfg: StackConfig, c: CredentialInputs): pulumi.Output<GithubCredentialValue> {
  if (cfg.github.auth === "token") return pulumi.secret(pulumi.output(c.githubToken!).apply((token): GithubCredentialValue => ({ kind: "token", token })));
  const appId = cfg.github.appId ?? "";
  const installationId = cfg.github.installationId ?? "";
  return pulumi.secret(pulumi.output(c.githubAppPrivateKey!).apply((privateKey): GithubCredentialValue => ({ kind: "app", appId, installationId, privateKey })));
}
