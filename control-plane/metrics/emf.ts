import type { HostEvent } from "../../protocol/broker";
import type { BrokerMetrics } from "../broker/handler";
import type { JobSample, ListenerMetricsSink, ScaleSample } from "../listener/metrics-sink";

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
  /** Assigned but not yet running: jobs waiting for a runner. The alarm's metric. */
  WaitingJobs: "Count",
  IdleRunners: "Count",
  RegisteredRunners: "Count",
  /** The group's desired capacity after the listener acted. */
  DesiredHosts: "Count",
  /** Group members InService, as the reaper saw them. */
  InServiceHosts: "Count",
  /** From the message reporting new jobs to the capacity request returning. */
  ReactionTime: "Milliseconds",
  /** A job's wait for a runner: queued → runner assigned (JobStarted). */
  JobWait: "Milliseconds",
  /** Runner time a job held: runner assigned → finished (JobCompleted); by Repository too. */
  JobDuration: "Seconds",
  BrokerRefusals: "Count",
  JitIssued: "Count",
  HostEvents: "Count",
} as const;

export type MetricName = keyof typeof METRICS;

/**
 * The alarm "jobs wait longer than jobWaitAlarmSeconds", per pool: WaitingJobs never dropped to 0
 * (Minimum > 0) in each of the last ceil(bound / 60) one-minute periods. Under sustained load it
 * can fire with no single job waiting that long; that much queueing is worth a look too.
 */
export function jobWaitAlarm(jobWaitAlarmSeconds: number) {
  return {
    namespace: METRIC_NAMESPACE,
    metricName: "WaitingJobs" as MetricName,
    dimensions: ["Fleet", "Pool"] as const,
    statistic: "Minimum" as const,
    period: 60,
    evaluationPeriods: Math.max(1, Math.ceil(jobWaitAlarmSeconds / 60)),
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold" as const,
    // No data means the listener is not reporting: that is the Lambda errors alarm's business.
    treatMissingData: "notBreaching" as const,
  };
}

/** Every metric carries Fleet and Pool; host events also by Event, refusals also by Code. */
export const DIMENSIONS = { base: ["Fleet", "Pool"], hostEvent: ["Fleet", "Pool", "Event"], refusal: ["Fleet", "Pool", "Code"], repository: ["Fleet", "Pool", "Repository"] } as const;

export type LineWriter = (line: string) => void;

export class EmfMetrics implements BrokerMetrics, ListenerMetricsSink {
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

  /** The listener's sink: statistics and the group's desired capacity after each poll. */
  scale(s: ScaleSample): void {
    this.emit(s.pool, {
      AssignedJobs: s.assigned,
      RunningJobs: s.running,
      WaitingJobs: Math.max(0, s.assigned - s.running),
      IdleRunners: s.idle,
      RegisteredRunners: s.registered,
      DesiredHosts: s.groupDesired,
    });
  }

  reaction(pool: string, ms: number): void {
    this.emit(pool, { ReactionTime: ms });
  }

  /** The workflow goes in as a property, not a dimension: searchable in Logs Insights without a metric per workflow. */
  job(j: JobSample): void {
    if (j.waitMs !== undefined) this.emit(j.pool, { JobWait: j.waitMs }, { Repository: j.repository, Workflow: j.workflowRef });
    if (j.durationSeconds !== undefined)
      this.emit(j.pool, { JobDuration: j.durationSeconds }, { Repository: j.repository, Workflow: j.workflowRef }, [DIMENSIONS.base, DIMENSIONS.repository]);
  }

  hosts(pool: string, inService: number): void {
    this.emit(pool, { InServiceHosts: inService });
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
