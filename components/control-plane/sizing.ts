/**
 * Function sizes. The listener runs every minute: the long poll until 20 s before its timeout,
 * with the reaper and, once a day, the runner mirror (two tarballs streamed through, digest
 * checked) beside it; 256 MiB holds JSON, a few HTTPS connections and multipart upload buffers.
 * The broker answers hosts' function-URL calls in well under a second and runs the mirror and the
 * scale-set registration at deploy, hence its longer timeout. The README's cost table uses these.
 */
export const CONTROL_PLANE_SIZING = {
  broker: { memoryMiB: 512, timeoutSeconds: 300 },
  listener: { memoryMiB: 256, timeoutSeconds: 90 },
} as const;

/** Long enough to look back over a month's incidents, short enough to cost cents. */
export const LOG_RETENTION_DAYS = 30;

/**
 * Seconds of each minute the listener is billed for, for cost estimates only: a run polls for
 * 70 s of its 90 s timeout and the next tick waits for it (reserved concurrency 1), so the
 * function is busy about the whole minute.
 */
export const LISTENER_POLL_SECONDS_ESTIMATE = 60;
