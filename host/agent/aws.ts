import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AgentConfig } from "../../protocol/agent-config";
import type { Imds } from "./imds";

/**
 * The AWS calls the agent makes, as the instance role (SDK v3, endpoints resolved per partition):
 * the runner mirror and its agent from S3, and its own warm pool's launch hook. Leaving the group
 * is the broker's (Broker.leave): the instance role holds no terminate.
 */
export class Aws {
  readonly asg: AutoScalingClient;
  readonly s3: S3Client;

  constructor(cfg: AgentConfig, imds: Imds) {
    const credentials = () => imds.credentials();
    const common = { region: cfg.region, credentials, maxAttempts: 4 };
    this.asg = new AutoScalingClient({ ...common, ...(cfg.endpoints.autoscaling ? { endpoint: cfg.endpoints.autoscaling } : {}) });
    this.s3 = new S3Client({ ...common, ...(cfg.endpoints.s3 ? { endpoint: cfg.endpoints.s3, forcePathStyle: true } : {}) });
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
