import type { HostPoolModel } from "../../config/host-model";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";

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
    // GitHub adds self-hosted, linux and the arch itself; the scale set carries the pool's own.
    labels: [...c.labels].sort(),
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

/** The functions' config file (CONTROL_PLANE_CONFIG_FILE): everything the control plane needs to know, and no secret. */
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
