/**
 * aws.autoscaling.Schedule sends an unset minSize/maxSize/desiredCapacity as 0; only -1 means
 * "leave unchanged" (the provider's docs and the Terraform resource underneath). A schedule that
 * sets only `desired` would otherwise also set min 0 and max 0, which AWS rejects.
 */
export const SCHEDULE_UNCHANGED = -1;

export function scheduleSizes(s: { min?: number | undefined; max?: number | undefined; desired?: number | undefined }): {
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
} {
  return {
    minSize: s.min ?? SCHEDULE_UNCHANGED,
    maxSize: s.max ?? SCHEDULE_UNCHANGED,
    desiredCapacity: s.desired ?? SCHEDULE_UNCHANGED,
  };
}
