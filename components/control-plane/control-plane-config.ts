import type { HostPoolModel } from "../../config/host-model";
import { CONTROL_PLANE_CONFIG_ENV, type ControlPlaneConfig, type ControlPlanePool } from "../../protocol/control-plane-config";

/** Lambda's limit on a function's environment variables, keys and values together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/**
 * The functions' environment: the config JSON, refused with the pool count when it would pass
 * Lambda's 4 KB (Lambda would refuse it at deploy, after other resources were made).
 */
export function controlPlaneEnvironment(json: string, pools: number): Record<string, string> {
  const size = Buffer.byteLength(CONTROL_PLANE_CONFIG_ENV) + Buffer.byteLength(json);
  if (size > LAMBDA_ENV_LIMIT_BYTES) throw new Error(`the control plane's ${CONTROL_PLANE_CONFIG_ENV} for ${pools} pools is ${size} bytes; Lambda allows ${LAMBDA_ENV_LIMIT_BYTES}: split the pools over stacks`);
  return { [CONTROL_PLANE_CONFIG_ENV]: json };
}

export interface ControlPlaneConfigInputs {
  fleet: string;
  region: string;
  credentialSecretArn: string;
  bucket: string;
  githubApiUrl: string;
  pools: { pool: HostPoolModel; hostRoleArn: string }[];
}

export function controlPlanePool(pool: HostPoolModel, hostRoleArn: string): ControlPlanePool {
  const c = pool.config;
  return {
    name: pool.name,
    scaleSetName: pool.scaleSetName,
    // Exactly what the outputs list: scale-set runners get no default labels, so the model's list
    // (name, labels, self-hosted defaults) is what GitHub matches runs-on against.
    labels: pool.labels,
    runnerGroup: c.runnerGroup ?? "default",
    githubUrl: pool.githubUrl,
    asgName: pool.asgName,
    hostRoleArn,
    runnersPerHost: c.runnersPerHost,
    minHosts: c.capacity.min,
    maxHosts: c.capacity.max,
    warmIdleRunners: c.warmIdleRunners,
    registrationDeadlineSeconds: c.registrationDeadlineMinutes * 60,
    brokerStates: pool.brokerStates,
  };
}

/** RUNNER_FLEET_CONFIG: everything the control plane needs to know, and no secret. */
export function controlPlaneConfig(i: ControlPlaneConfigInputs): ControlPlaneConfig {
  const pools = [...i.pools].sort((a, b) => a.pool.name.localeCompare(b.pool.name));
  return {
    v: 1,
    fleet: i.fleet,
    region: i.region,
    credentialSecretArn: i.credentialSecretArn,
    bucket: i.bucket,
    githubApiUrl: i.githubApiUrl,
    pools: pools.map((p) => controlPlanePool(p.pool, p.hostRoleArn)),
    // One stack-wide bound for the metric; each pool's alarm uses its own threshold.
    jobWaitAlarmSeconds: Math.min(...pools.map((p) => p.pool.config.jobWaitAlarmMinutes)) * 60,
  };
}
