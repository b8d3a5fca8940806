import type { HostPoolModel } from "../../config/host-model";

/**
 * The alarm the control plane defines for its own metric (control-plane/metrics/emf.ts:
 * jobWaitAlarm()): WaitingJobs (assigned, not yet running) stayed above 0 in every one-minute
 * period for the pool's bound. Components may not import control-plane/, so this is a copy;
 * test/unit/control-plane-iam.test.ts fails when it differs from theirs, so an alarm never watches
 * a metric nobody writes.
 */
export const JOB_WAIT_METRIC = { namespace: "RunnerFleet", name: "WaitingJobs", dimensions: ["Fleet", "Pool"] } as const;

export interface AlarmSpec {
  alarmDescription: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: "Minimum";
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: "GreaterThanThreshold";
  treatMissingData: "notBreaching";
}

/**
 * Fires when a pool had jobs waiting for a runner in every minute of jobWaitAlarmMinutes. Missing
 * data is fine (no listener report means the listener alarm's business, not this one's).
 */
export function jobWaitAlarm(fleet: string, pool: HostPoolModel): AlarmSpec {
  const minutes = pool.config.jobWaitAlarmMinutes;
  return {
    alarmDescription: `runner-fleet ${fleet}: jobs for ${pool.scaleSetName} waited for a runner in every minute of the last ${minutes}`,
    namespace: JOB_WAIT_METRIC.namespace,
    metricName: JOB_WAIT_METRIC.name,
    dimensions: { Fleet: fleet, Pool: pool.name },
    statistic: "Minimum",
    period: 60,
    evaluationPeriods: Math.max(1, Math.ceil((minutes * 60) / 60)),
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  };
}
