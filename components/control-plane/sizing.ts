/**
 * Function sizes. The listener runs every minute and long-polls for up to ~50 s of it; 256 MiB is
 * plenty for JSON and a few HTTPS connections. The broker also mirrors the runner (two ~200 MB
 * tarballs streamed through, digest checked) at deploy and daily, hence its longer timeout and
 * more memory; its function-URL calls take well under a second. The README's cost table uses
 * these numbers.
 */
export const CONTROL_PLANE_SIZING = {
  broker: { memoryMiB: 512, timeoutSeconds: 300 },
  listener: { memoryMiB: 256, timeoutSeconds: 90 },
} as const;

/** Long enough to look back over a month's incidents, short enough to cost cents. */
export const LOG_RETENTION_DAYS = 30;

/**
 * How long a listener run waits on GitHub's long poll, for cost estimates only (the listener
 * decides the real figure): the bulk of the control plane's idle bill.
 */
export const LISTENER_POLL_SECONDS_ESTIMATE = 50;
