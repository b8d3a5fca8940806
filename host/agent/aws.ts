import { HttpError, request, type RetryPolicy } from "./http";
import type { Imds } from "./imds";
import type { Logger } from "./log";
import { signV4 } from "./sigv4";

export interface AwsEndpoints {
  secretsManager: string;
  autoscaling: string;
}

/** AWS China's regions answer under amazonaws.com.cn; every other partition we run in under amazonaws.com. */
export function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

export function defaultEndpoints(region: string): AwsEndpoints {
  const d = dnsSuffix(region);
  return { secretsManager: `https://secretsmanager.${region}.${d}`, autoscaling: `https://autoscaling.${region}.${d}` };
}

/** The two AWS calls the agent makes, signed with the instance role (no SDK: one retry policy, a small bundle). */
export class Aws {
  constructor(
    private readonly imds: Imds,
    private readonly region: string,
    private readonly endpoints: AwsEndpoints,
    private readonly log: Logger,
    private readonly retry: RetryPolicy,
  ) {}

  private async signed(service: string, url: string, headers: Record<string, string>, body: string, what: string) {
    const creds = await this.imds.credentials();
    const signedHeaders = signV4({ method: "POST", url, headers, body }, creds, this.region, service);
    return request({ method: "POST", url: `${url}/`, headers: signedHeaders, body, what }, this.log, this.retry);
  }

  /** The secret's string; the caller registers it for redaction. */
  async secretString(secretArn: string): Promise<string> {
    const res = await this.signed(
      "secretsmanager",
      this.endpoints.secretsManager,
      { "content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.GetSecretValue" },
      JSON.stringify({ SecretId: secretArn }),
      "secretsmanager GetSecretValue",
    );
    if (res.status !== 200) throw new HttpError(res.status, "secretsmanager GetSecretValue", res.text.slice(0, 300));
    const out = JSON.parse(res.text) as { SecretString?: string };
    if (!out.SecretString) throw new Error("secretsmanager: the secret has no string value");
    return out.SecretString;
  }

  /**
   * Leaves the group, lowering its desired capacity. AWS refuses (ValidationError) when that would
   * go below the group's min size: then the host stays, which is exactly the floor we want.
   */
  async leaveGroup(instanceId: string): Promise<"left" | "at-minimum"> {
    const body = new URLSearchParams({
      Action: "TerminateInstanceInAutoScalingGroup",
      Version: "2011-01-01",
      InstanceId: instanceId,
      ShouldDecrementDesiredCapacity: "true",
    }).toString();
    const res = await this.signed("autoscaling", this.endpoints.autoscaling, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body, "autoscaling TerminateInstanceInAutoScalingGroup");
    if (res.status === 200) return "left";
    if (res.status === 400 && res.text.includes("ValidationError")) return "at-minimum";
    throw new HttpError(res.status, "autoscaling TerminateInstanceInAutoScalingGroup", res.text.slice(0, 300));
  }
}
