import { startAwsIamProxy, type AwsIamProxy } from "../standins/aws-iam-proxy";
import type { Key } from "../standins/sigv4-verify";
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, startMoto, type Moto } from "./moto";
import { standinIam, type StandinIam, type WorldNames } from "./standin-iam";

/**
 * moto as the control plane meets it in AWS: its calls go through a proxy that verifies their
 * signatures and authorises them with the control-plane policy the program renders
 * (test/standins/aws-iam-proxy.ts); the test itself (setting the scene, looking at the result)
 * talks to moto directly as an administrator.
 */
export interface ControlPlaneMoto extends Moto {
  /** Where the control plane's clients point, and the key they sign with. */
  controlPlane: { endpoint: string; credentials: Key };
  proxy: AwsIamProxy;
  /** Puts the rendered control-plane policies, moved into this world, in force; until then the proxy refuses everything. */
  useWorld(names: Omit<WorldNames, "account" | "region">): Promise<StandinIam>;
}

export async function startControlPlaneMoto(region = "eu-west-1"): Promise<ControlPlaneMoto> {
  const moto = await startMoto();
  const proxy = await startAwsIamProxy({ moto: moto.endpoint, region, account: MOTO_ACCOUNT, admin: MOTO_CREDENTIALS });
  return {
    ...moto,
    controlPlane: { endpoint: proxy.url, credentials: { accessKeyId: proxy.key.accessKeyId, secretAccessKey: proxy.key.secretAccessKey } },
    proxy,
    async useWorld(names) {
      const iam = await standinIam({ account: MOTO_ACCOUNT, region, ...names });
      // The simulator's first pass over these policies is slow; the listener's tests run on deadlines of under a second.
      const bucket = `arn:aws:s3:::${names.bucket}`;
      for (const [action, resource, context] of [
        ["s3:GetObject", `${bucket}/listener/x.json`, {}],
        ["s3:ListBucket", bucket, {}],
        ["autoscaling:DescribeAutoScalingGroups", "*", {}],
        ["autoscaling:SetDesiredCapacity", iam.asgArn(names.asgName), iam.groupContext(names.asgName)],
      ] as const) {
        await iam.authorize({ principal: iam.controlPlaneSession, action, resource, context }, action.startsWith("s3:") ? iam.bucketPolicy : undefined);
      }
      proxy.iam = iam;
      return iam;
    },
    async stop() {
      await proxy.close();
      await moto.stop();
    },
  };
}
