/**
 * The CloudWatch metrics the control plane writes as embedded-metric-format logs and the program
 * alarms on. Both sides read these names from here so an alarm never watches a metric nobody
 * writes. Imports nothing.
 */
export const METRIC_NAMESPACE = "RunnerFleet";
/** Dimensions of every per-pool metric, in this order. */
export const POOL_DIMENSIONS = ["Fleet", "Pool"] as const;
export const METRICS = {
  /** Seconds the oldest assigned job of a pool has waited for a runner (0 when none waits). */
  jobWait: "JobWaitSeconds",
  assignedJobs: "AssignedJobs",
  runningJobs: "RunningJobs",
  idleRunners: "IdleRunners",
  hostsDesired: "HostsDesired",
  hostsInService: "HostsInService",
  brokerRefusals: "BrokerRefusals",
} as const;
