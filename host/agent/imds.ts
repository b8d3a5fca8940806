import { fromInstanceMetadata } from "@smithy/credential-provider-imds";
import type { AwsCredentialIdentity } from "@smithy/types";

/**
 * IMDSv2 only: every read carries a session token. Role credentials come from the SDK's own IMDS
 * provider (v1 fallback disabled), cached until five minutes before they expire.
 */
export class Imds {
  private token: { value: string; until: number } | undefined;
  private creds: AwsCredentialIdentity | undefined;
  private readonly provider: () => Promise<AwsCredentialIdentity>;

  constructor(
    private readonly base: string,
    private readonly timeoutMs = 5_000,
  ) {
    // The SDK provider reads its endpoint from the environment only; the agent owns its process.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = base;
    process.env.AWS_EC2_METADATA_V1_DISABLED = "true";
    this.provider = fromInstanceMetadata({ timeout: timeoutMs, maxRetries: 3, ec2MetadataV1Disabled: true });
  }

  private async sessionToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await fetch(`${this.base}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`imds token: HTTP ${res.status}`);
    const value = await res.text();
    this.token = { value, until: Date.now() + 6 * 3600_000 - 60_000 };
    return value;
  }

  /** A metadata path's text, or undefined where IMDS says 404 (no spot notice, no warm pool). */
  async get(path: string): Promise<string | undefined> {
    const once = async (): Promise<Response> =>
      fetch(`${this.base}/latest/${path}`, { headers: { "x-aws-ec2-metadata-token": await this.sessionToken() }, signal: AbortSignal.timeout(this.timeoutMs) });
    let res = await once();
    if (res.status === 401) {
      this.token = undefined;
      res = await once();
    }
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`imds ${path}: HTTP ${res.status}`);
    return res.text();
  }

  async instanceId(): Promise<string> {
    const id = await this.get("meta-data/instance-id");
    if (!id || !/^i-[0-9a-f]{8,17}$/.test(id)) throw new Error(`imds: bad instance id ${JSON.stringify(id)}`);
    return id;
  }

  async credentials(force = false): Promise<AwsCredentialIdentity> {
    const c = this.creds;
    if (!force && c && (!c.expiration || c.expiration.getTime() - Date.now() > 5 * 60_000)) return c;
    this.creds = await this.provider();
    return this.creds;
  }
}
