import { createSign } from "node:crypto";
import { HttpError, request, requestJson, type RetryPolicy } from "./http";
import type { Logger } from "./log";

/** The credential as stored in Secrets Manager by the Pulumi program. */
export type GithubCredential =
  | { kind: "token"; token: string }
  | { kind: "app"; appId: string; installationId: string; privateKey: string };

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** An RS256 App JWT: issued a minute in the past against clock skew, valid 9 of the allowed 10 minutes. */
export function appJwt(appId: string, privateKey: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000) - 60;
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 600 - 60, iss: appId }));
  const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

export interface JitConfig {
  runnerId: number;
  encoded: string;
}

export class Github {
  private installationToken: { value: string; until: number } | undefined;

  constructor(
    private readonly apiUrl: string,
    private readonly scope: string,
    private readonly credential: GithubCredential,
    private readonly log: Logger,
    private readonly retry: RetryPolicy,
  ) {
    if (credential.kind === "token") log.redact(credential.token);
    else log.redact(credential.privateKey);
  }

  private async token(): Promise<string> {
    if (this.credential.kind === "token") return this.credential.token;
    if (this.installationToken && this.installationToken.until > Date.now()) return this.installationToken.value;
    const jwt = appJwt(this.credential.appId, this.credential.privateKey);
    this.log.redact(jwt);
    const out = await requestJson<{ token: string; expires_at: string }>(
      {
        method: "POST",
        url: `${this.apiUrl}/app/installations/${this.credential.installationId}/access_tokens`,
        headers: this.headers(jwt),
        what: "github installation token",
      },
      this.log,
      this.retry,
    );
    this.log.redact(out.token);
    // Refresh five minutes early: a token must outlive the call it is sent with.
    this.installationToken = { value: out.token, until: Date.parse(out.expires_at) - 5 * 60_000 };
    return out.token;
  }

  private headers(bearer: string): Record<string, string> {
    return {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${bearer}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "runner-fleet-agent",
      "content-type": "application/json",
    };
  }

  /** A JSON call; on 401 with an App the token is minted again once (revoked or expired early). */
  private async call<T>(method: string, path: string, what: string, body?: unknown): Promise<{ status: number; json: T }> {
    for (let i = 0; ; i++) {
      const req = { method, url: `${this.apiUrl}${path}`, headers: this.headers(await this.token()), what };
      const res = await request(body === undefined ? req : { ...req, body: JSON.stringify(body) }, this.log, this.retry);
      if (res.status === 401 && this.credential.kind === "app" && i === 0) {
        this.installationToken = undefined;
        continue;
      }
      return { status: res.status, json: (res.text ? JSON.parse(res.text) : {}) as T };
    }
  }

  /** The runner group's id by name; repository scopes have only the default group (1). */
  async runnerGroupId(name: string | null): Promise<number> {
    if (name === null || this.scope.startsWith("/repos/")) return 1;
    for (let page = 1; page <= 50; page++) {
      const res = await this.call<{ runner_groups?: { id: number; name: string }[] }>("GET", `${this.scope}/actions/runner-groups?per_page=100&page=${page}`, "github runner groups");
      if (res.status !== 200) throw new HttpError(res.status, "github runner groups", "");
      const groups = res.json.runner_groups ?? [];
      const found = groups.find((g) => g.name === name);
      if (found) return found.id;
      if (groups.length < 100) break;
    }
    throw new Error(`runner group "${name}" does not exist in ${this.scope}`);
  }

  async jitConfig(name: string, runnerGroupId: number, labels: string[], workFolder: string): Promise<JitConfig> {
    const res = await this.call<{ runner?: { id: number }; encoded_jit_config?: string }>(
      "POST",
      `${this.scope}/actions/runners/generate-jitconfig`,
      "github generate-jitconfig",
      { name, runner_group_id: runnerGroupId, labels, work_folder: workFolder },
    );
    if (res.status !== 201 || !res.json.encoded_jit_config || !res.json.runner) throw new HttpError(res.status, "github generate-jitconfig", "");
    this.log.redact(res.json.encoded_jit_config);
    return { runnerId: res.json.runner.id, encoded: res.json.encoded_jit_config };
  }

  async registrationToken(): Promise<string> {
    const res = await this.call<{ token?: string }>("POST", `${this.scope}/actions/runners/registration-token`, "github registration-token");
    if (res.status !== 201 || !res.json.token) throw new HttpError(res.status, "github registration-token", "");
    this.log.redact(res.json.token);
    return res.json.token;
  }

  /** Removes a runner; "busy" when GitHub refuses because it has just taken a job. */
  async deleteRunner(id: number): Promise<"deleted" | "busy"> {
    const res = await this.call<unknown>("DELETE", `${this.scope}/actions/runners/${id}`, "github delete runner");
    if (res.status === 204 || res.status === 404) return "deleted";
    if (res.status === 422) return "busy";
    throw new HttpError(res.status, "github delete runner", "");
  }
}
