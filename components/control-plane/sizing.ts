/**
 * Function sizes, from the stack's pool count. The listener runs every minute: one long-poll per
 * pool held at once until 20 s before its timeout, with the reaper and, once a day, the runner
 * mirror (two tarballs streamed through, digest checked) beside it. 192 MiB holds JSON, a few
 * HTTPS connections and multipart upload buffers (256 MiB at least); each pool adds a session, a held TLS socket and
 * its messages' JSON (tens of KiB), budgeted at 2 MiB, and Lambda's CPU grows with memory, which
 * the parallel sessions' TLS and JSON want. The broker answers hosts' function-URL calls in well
 * under a second, but at deploy it registers every pool's scale set and mirrors the runner; the
 * registration is paced under GitHub's limits (control-plane/github/budget.ts): up to four calls
 * per pool at 5 points each against the broker's share of 900 points a minute, so its timeout
 * grows with the pools. The README's cost table uses these.
 */
export interface FunctionSize {
  memoryMiB: number;
  timeoutSeconds: number;
}

const MiB_STEP = 64;
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** Small stacks keep the 256 MiB the idle cost table was measured with. */
const LISTENER_MIN_MiB = 256;
const LISTENER_BASE_MiB = 192;
const LISTENER_MiB_PER_POOL = 2;
/** Seconds of paced registration per pool at deploy: 4 mutating calls × 5 points at 480 points/min (the broker's share) is 2.5 s. */
const BROKER_SECONDS_PER_POOL = 3;

const roundUp = (n: number, step: number): number => Math.ceil(n / step) * step;

export function controlPlaneSizing(pools: number): { broker: FunctionSize; listener: FunctionSize } {
  return {
    broker: { memoryMiB: 512, timeoutSeconds: Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, Math.max(300, 120 + BROKER_SECONDS_PER_POOL * pools)) },
    listener: { memoryMiB: roundUp(Math.max(LISTENER_MIN_MiB, LISTENER_BASE_MiB + LISTENER_MiB_PER_POOL * pools), MiB_STEP), timeoutSeconds: 90 },
  };
}

/** Long enough to look back over a month's incidents, short enough to cost cents. */
export const LOG_RETENTION_DAYS = 30;

/**
 * Seconds of each minute the listener is billed for, for cost estimates only: a run polls for
 * 70 s of its 90 s timeout and the next tick waits for it (reserved concurrency 1), so the
 * function is busy about the whole minute.
 */
export const LISTENER_POLL_SECONDS_ESTIMATE = 60;
