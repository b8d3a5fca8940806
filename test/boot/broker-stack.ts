import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { join } from "node:path";
import type { JitRequest } from "../../protocol/broker";
import { MOTO_ACCOUNT } from "../helpers/moto";
import { startFunctionUrl, type FunctionUrl } from "../standins/function-url";
import { standinIam } from "../helpers/standin-iam";
import { brokerDouble, startRunnerService, type BrokerDouble, type RunnerService } from "../standins/runner-listener/service";
import { startBridge, type Bridge } from "./bridge";
import { REGION, type Lab } from "./harness";

export const BROKER_PORT = 8081;
const SERVICE_PORT = 8082;

export interface BrokerStack {
  service: RunnerService;
  broker: BrokerDouble;
  fu: FunctionUrl;
  /** The function URL as the booted host reaches it. */
  brokerUrl: string;
  /** The JIT requests the broker double received, in order. */
  jits(): JitRequest[];
  close(): Promise<void>;
}

/**
 * What a booted host registers with: the SigV4-verifying function URL (the instance role's session
 * is its only principal) in front of the broker double, which issues JIT configs for the stand-in
 * runner service and terminates a leaving host in the lab's Auto Scaling with the control plane's
 * key (the host's role has no terminate); both bridged into the lab's network.
 */
/** `labels`: what the pool's scale set registers (HostPoolModel.labels); jobs reach its runners by runs-on. */
export async function startBrokerStack(lab: Lab, o: { pool: string; labels: string[]; slots: number }): Promise<BrokerStack> {
  const service = await startRunnerService();
  const autoscaling = new AutoScalingClient({ region: REGION, endpoint: lab.asg.url, credentials: lab.controlPlaneKey, maxAttempts: 1 });
  const broker = brokerDouble(service, { pool: o.pool, labels: o.labels, role: lab.world.hostRole, slots: o.slots, serverUrl: `http://${lab.net.hostAddr}:${SERVICE_PORT}/`, autoscaling });
  const iam = await standinIam({ account: MOTO_ACCOUNT, region: REGION, role: lab.world.hostRole, asgName: lab.world.asgName, bucket: lab.world.bucket });
  const fu = await startFunctionUrl({ region: REGION, handler: broker.handler, iam });
  fu.principals.push({ ...lab.world.hostCreds, accountId: MOTO_ACCOUNT, role: lab.world.hostRole, session: lab.world.instanceId });
  let bridge: Bridge;
  try {
    bridge = await startBridge(
      lab.net,
      [
        { host: lab.net.hostAddr, port: BROKER_PORT, target: Number(new URL(fu.url).port) },
        { host: lab.net.hostAddr, port: SERVICE_PORT, target: Number(new URL(service.url).port) },
      ],
      join(lab.dir, "bridge-broker"),
    );
  } catch (e) {
    await fu.close();
    await service.close();
    throw e;
  }
  return {
    service,
    broker,
    fu,
    brokerUrl: `http://${lab.net.hostAddr}:${BROKER_PORT}/`,
    jits: () => broker.calls.filter((c) => c.body.action === "jit").map((c) => c.body as JitRequest),
    close: async () => {
      await bridge.close().catch(() => undefined);
      await fu.close();
      await service.close();
    },
  };
}
