import type { HostPoolModel } from "../../config/host-model";

/**
 * The metric the control plane writes for the alarm (embedded-metric-format lines, in
 * control-plane/metrics/emf.ts: JOB_WAIT_ALARM_METRIC, METRIC_NAMESPACE, DIMENSIONS.base).
 * Components may not import control-plane/, so this is a copy; test/unit/control-plane-iam.test.ts
 * fails when they differ, so an alarm never watches a metric nobody writes.
 */
export const JOB_WAIT_METRIC = { namespace: "RunnerFleet", name: "OldestWaitingJobAge", dimensions: ["Fleet", "Pool"] } as const;

export interface AlarmSpec {
  alarmDescription: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: "Maximum";
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: "GreaterThanThreshold";
  treatMissingData: "notBreaching";
}

/**
 * Fires when a pool's oldest assigned job has waited longer than jobWaitAlarmMinutes. Missing data
 * is fine (no job waits); a listener that stops writing is caught by the listener-errors alarm.
 */
export function jobWaitAlarm(fleet: string, pool: HostPoolModel): AlarmSpec {
  const minutes = pool.config.jobWaitAlarmMinutes;
  return {
    alarmDescription: `runner-fleet ${fleet}: a job for ${pool.scaleSetName} waited over ${minutes} min for a runner`,
    namespace: JOB_WAIT_METRIC.namespace,
    metricName: JOB_WAIT_METRIC.name,
    dimensions: { Fleet: fleet, Pool: pool.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: minutes * 60,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  };
}
