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

export interface ListenerMetricsSink {
  scale(sample: ScaleSample): void;
  reaction(pool: string, reactionMs: number): void;
}

export const discardMetrics: ListenerMetricsSink = { scale: () => {}, reaction: () => {} };
