/**
 * What the listener reports; the EMF sink (control-plane/metrics) turns it into CloudWatch metrics.
 * `reactionMs` is from the message that reported new jobs arriving to the capacity request returning.
 */
export interface ScaleSample {
  pool: string;
  assigned: number;
  running: number;
  idle: number;
  registered: number;
  /** Hosts the statistics call for. */
  desired: number;
  /** The group's desired capacity after acting (never below what it was). */
  groupDesired: number;
}

/**
 * A job the listener saw start or finish, from the scale-set message's own timestamps: how long it
 * waited for a runner (queueTime → runnerAssignTime, on JobStarted) and how long it held one
 * (runnerAssignTime → finishTime, on JobCompleted), by repository, so the dashboard can answer
 * "why is my job waiting" and "which repository costs what".
 */
export interface JobSample {
  pool: string;
  /** owner/name. */
  repository: string;
  workflowRef: string;
  waitMs?: number;
  durationSeconds?: number;
}

export interface ListenerMetricsSink {
  scale(sample: ScaleSample): void;
  reaction(pool: string, reactionMs: number): void;
  /** Optional: a sink that does not report jobs (tests, simulations) leaves it out. */
  job?(sample: JobSample): void;
}

export const discardMetrics: ListenerMetricsSink = { scale: () => {}, reaction: () => {}, job: () => {} };

/** Milliseconds between two of the service's timestamps; undefined when either is missing or unset (year 1). */
export function between(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const [a, b] = [Date.parse(from), Date.parse(to)];
  // Go's zero time (0001-01-01) marks a step that has not happened.
  if (!Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0 || b < a) return undefined;
  return b - a;
}
