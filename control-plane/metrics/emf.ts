import type { HostEvent } from "../../protocol/broker";
import type { BrokerMetrics } from "../broker/handler";

/**
 * Metrics as CloudWatch embedded-metric-format log lines (one JSON object per line on stdout;
 * Lambda ships them to the function's log group and CloudWatch extracts the metrics). No
 * cloudwatch:PutMetricData, no extra call in the hot path. Names and namespace are exported for the
 * ControlPlane component's dashboards and alarm.
 */
export const METRIC_NAMESPACE = "RunnerFleet";

export const METRICS = {
  /** Jobs GitHub has assigned to the pool's scale set (statistics.totalAssignedJobs). */
  AssignedJobs: "Count",
  RunningJobs: "Count",
  IdleRunners: "Count",
  DesiredHosts: "Count",
  InServiceHosts: "Count",
  /** From GitHub reporting a job to the control plane raising capacity. */
  ReactionTime: "Milliseconds",
  /** Age of the oldest job still waiting for a runner: the alarm's metric. */
  OldestWaitingJobAge: "Seconds",
  BrokerRefusals: "Count",
  JitIssued: "Count",
  HostEvents: "Count",
} as const;

export type MetricName = keyof typeof METRICS;

/** The alarm: OldestWaitingJobAge (Maximum) above ControlPlaneConfig.jobWaitAlarmSeconds, per pool. */
export const JOB_WAIT_ALARM_METRIC: MetricName = "OldestWaitingJobAge";

/** Every metric carries Fleet and Pool; host events also by Event, refusals also by Code. */
export const DIMENSIONS = { base: ["Fleet", "Pool"], hostEvent: ["Fleet", "Pool", "Event"], refusal: ["Fleet", "Pool", "Code"] } as const;

export type LineWriter = (line: string) => void;

/** What the listener reports once per poll for each pool. */
export interface PoolSnapshot {
  assignedJobs: number;
  runningJobs: number;
  idleRunners: number;
  desiredHosts: number;
  inServiceHosts: number;
  oldestWaitingJobAgeSeconds?: number;
}

export class EmfMetrics implements BrokerMetrics {
  constructor(
    private readonly fleet: string,
    private readonly write: LineWriter = (line) => process.stdout.write(line + "\n"),
    private readonly now: () => number = Date.now,
  ) {}

  /** One EMF document: the values as root members, one directive naming them and the dimension sets. */
  emit(pool: string, values: Partial<Record<MetricName, number>>, extra: Record<string, string> = {}, dimensionSets: readonly (readonly string[])[] = [DIMENSIONS.base]): void {
    const names = (Object.keys(values) as MetricName[]).filter((n) => Number.isFinite(values[n]));
    if (names.length === 0) return;
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: dimensionSets.map((d) => [...d]), Metrics: names.map((n) => ({ Name: n, Unit: METRICS[n] })) }],
      },
      Fleet: this.fleet,
      Pool: pool,
      ...extra,
    };
    for (const n of names) doc[n] = values[n];
    this.write(JSON.stringify(doc));
  }

  poolSnapshot(pool: string, s: PoolSnapshot): void {
    this.emit(pool, {
      AssignedJobs: s.assignedJobs,
      RunningJobs: s.runningJobs,
      IdleRunners: s.idleRunners,
      DesiredHosts: s.desiredHosts,
      InServiceHosts: s.inServiceHosts,
      // Always sent (0 when nothing waits), so the alarm sees data rather than "missing".
      OldestWaitingJobAge: s.oldestWaitingJobAgeSeconds ?? 0,
    });
  }

  reactionTime(pool: string, ms: number): void {
    this.emit(pool, { ReactionTime: ms });
  }

  refusal(pool: string | undefined, code: string): void {
    this.emit(pool ?? "(unknown)", { BrokerRefusals: 1 }, { Code: code }, [DIMENSIONS.base, DIMENSIONS.refusal]);
  }

  issued(pool: string): void {
    this.emit(pool, { JitIssued: 1 });
  }

  hostEvent(pool: string, event: HostEvent): void {
    this.emit(pool, { HostEvents: 1 }, { Event: event }, [DIMENSIONS.base, DIMENSIONS.hostEvent]);
  }
}
