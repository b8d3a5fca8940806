import { AutoScalingClient, CompleteLifecycleActionCommand, TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AgentConfig } from "../../protocol/agent-config";
import type { Imds } from "./imds";

/**
 * AWS answers TerminateInstanceInAutoScalingGroup with decrement at the group's floor with this
 * ValidationError ("Currently, desiredSize equals minSize (1). Terminating instance without
 * replacement will violate group's min size constraint. …"); every other ValidationError (unknown
 * instance, an instance already leaving, …) is a different refusal.
 */
export function isBelowMinimum(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; message?: string };
  const code = err?.name ?? err?.Code;
  return code === "ValidationError" && typeof err.message === "string" && /violate group's min size constraint|equals minSize/.test(err.message);
}

export type LeaveResult = "left" | "below-minimum";

/** The AWS calls the agent makes, as the instance role (SDK v3, endpoints resolved per partition). */
export class Aws {
  readonly asg: AutoScalingClient;
  readonly s3: S3Client;

  constructor(cfg: AgentConfig, imds: Imds) {
    const credentials = () => imds.credentials();
    const common = { region: cfg.region, credentials, maxAttempts: 4 };
    this.asg = new AutoScalingClient({ ...common, ...(cfg.endpoints.autoscaling ? { endpoint: cfg.endpoints.autoscaling } : {}) });
    this.s3 = new S3Client({ ...common, ...(cfg.endpoints.s3 ? { endpoint: cfg.endpoints.s3, forcePathStyle: true } : {}) });
  }

  /** Leaves the group lowering its desired capacity; "below-minimum" when AWS says the floor holds it. Other refusals throw. */
  async leave(instanceId: string, decrement = true): Promise<LeaveResult> {
    try {
      await this.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: decrement }));
      return "left";
    } catch (e) {
      if (isBelowMinimum(e)) return "below-minimum";
      throw e;
    }
  }

  async completeLaunchHook(hookName: string, asgName: string, instanceId: string): Promise<void> {
    await this.asg.send(new CompleteLifecycleActionCommand({ LifecycleHookName: hookName, AutoScalingGroupName: asgName, InstanceId: instanceId, LifecycleActionResult: "CONTINUE" }));
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${bucket}/${key}: empty body`);
    return Buffer.from(await out.Body.transformToByteArray());
  }
}
