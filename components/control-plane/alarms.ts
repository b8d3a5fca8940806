import type { HostPoolModel } from "../../config/host-model";
import { METRIC_NAMESPACE, METRICS } from "../../protocol/metrics";

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
    namespace: METRIC_NAMESPACE,
    metricName: METRICS.jobWait,
    dimensions: { Fleet: fleet, Pool: pool.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: minutes * 60,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  };
}
