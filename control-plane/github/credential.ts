import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { redactor } from "../aws/log";

/**
 * The GitHub credential, read from Secrets Manager by the control plane role (the only role allowed
 * to) and kept for the life of a warm Lambda. Its values are handed to the redactor the moment
 * they are read, so no log line can carry them.
 */

const numericId = z.union([z.string().regex(/^[1-9][0-9]*$/), z.number().int().positive()]).transform(String);

const AppCredential = z
  .object({
    kind: z.literal("app"),
    appId: numericId,
    installationId: numericId,
    privateKey: z.string().regex(/-----BEGIN (RSA )?PRIVATE KEY-----/),
  })
  .strict();

const TokenCredential = z.object({ kind: z.literal("token"), token: z.string().min(1) }).strict();

const Credential = z.discriminatedUnion("kind", [AppCredential, TokenCredential]);

export type GitHubCredential = z.output<typeof Credential>;

/** Why a secret was refused, naming key paths only: never a value. */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialError";
  }
}

export function parseCredential(secretString: string, secretArn: string): GitHubCredential {
  redactor.add(secretString);
  let raw: unknown;
  try {
    raw = JSON.parse(secretString);
  } catch {
    throw new CredentialError(`secret ${secretArn} is not JSON`);
  }
  const parsed = Credential.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`).join("; ");
    throw new CredentialError(`secret ${secretArn} is not a GitHub credential ({kind:"app",appId,installationId,privateKey} or {kind:"token",token}): ${where}`);
  }
  const cred = parsed.data;
  if (cred.kind === "app") redactor.add(cred.privateKey);
  else redactor.add(cred.token);
  return cred;
}

/** Re-read after this long so a rotated secret reaches warm Lambdas without a redeploy. */
const CACHE_MS = 15 * 60 * 1000;

export class CredentialSource {
  private cached?: { at: number; value: Promise<GitHubCredential> };

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<GitHubCredential> {
    const c = this.cached;
    if (c && this.now() - c.at < CACHE_MS) return c.value;
    const value = this.read();
    this.cached = { at: this.now(), value };
    // A failed read is not cached: the next call asks again.
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  private async read(): Promise<GitHubCredential> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    if (typeof out.SecretString !== "string") throw new CredentialError(`secret ${this.secretArn} has no SecretString`);
    return parseCredential(out.SecretString, this.secretArn);
  }
}
