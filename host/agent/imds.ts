import { request, requestJson, type RetryPolicy } from "./http";
import type { Logger } from "./log";
import type { AwsCredentials } from "./sigv4";

/** IMDSv2 only: every read carries a session token (the launch template refuses v1). */
export class Imds {
  private token: { value: string; until: number } | undefined;
  private creds: { value: AwsCredentials; until: number } | undefined;

  constructor(
    private readonly base: string,
    private readonly log: Logger,
    private readonly retry: RetryPolicy,
  ) {}

  private async sessionToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await request(
      { method: "PUT", url: `${this.base}/latest/api/token`, headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, what: "imds token" },
      this.log,
      this.retry,
    );
    if (res.status !== 200) throw new Error(`imds token: HTTP ${res.status}`);
    this.token = { value: res.text, until: Date.now() + 6 * 3600_000 - 60_000 };
    return res.text;
  }

  /** A metadata path's text, or undefined where IMDS says 404 (e.g. no spot notice). */
  async get(path: string): Promise<string | undefined> {
    const res = await request(
      { method: "GET", url: `${this.base}/latest/${path}`, headers: { "x-aws-ec2-metadata-token": await this.sessionToken() }, what: `imds ${path}` },
      this.log,
      this.retry,
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`imds ${path}: HTTP ${res.status}`);
    return res.text;
  }

  async instanceId(): Promise<string> {
    const id = await this.get("meta-data/instance-id");
    if (!id) throw new Error("imds: no instance id");
    return id;
  }

  /** The instance role's temporary credentials, refreshed before they expire. */
  async credentials(): Promise<AwsCredentials> {
    if (this.creds && this.creds.until > Date.now()) return this.creds.value;
    const role = (await this.get("meta-data/iam/security-credentials/"))?.split("\n")[0];
    if (!role) throw new Error("imds: the instance has no role");
    const c = await requestJson<{ AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string }>(
      { method: "GET", url: `${this.base}/latest/meta-data/iam/security-credentials/${role}`, headers: { "x-aws-ec2-metadata-token": await this.sessionToken() }, what: "imds credentials" },
      this.log,
      this.retry,
    );
    this.log.redact(c.SecretAccessKey);
    this.log.redact(c.Token);
    this.creds = {
      value: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token },
      until: Date.parse(c.Expiration) - 5 * 60_000,
    };
    return this.creds.value;
  }
}
