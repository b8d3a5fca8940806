import { createHash } from "node:crypto";
import { affinityRunsOn } from "./affinity-routing";

/** Kubernetes object names (RFC 1123 label): lower-case alphanumerics and '-', 63 at most. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_MAX = 63;

/** The gha-runner-scale-set chart `fail`s on longer scale-set (release) names. */
export const SCALE_SET_NAME_MAX = 45;

/** Instances are numbered `-1` … `-99`; the base keeps room for that suffix whatever the count. */
export const MAX_INSTANCES = 99;
const SUFFIX_RESERVE = 3;
const HASH_LEN = 6;

export function shortHash(text: string, length = HASH_LEN): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * The common stem of a runner set's scale-set names. The room for the instance suffix is reserved
 * up front, so changing `instances` never renames existing scale sets. A stem that would not fit is
 * cut and given a hash of the full name, so two long names that share a prefix never collide.
 */
export function scaleSetBase(fullName: string): string {
  const max = SCALE_SET_NAME_MAX - SUFFIX_RESERVE;
  if (fullName.length <= max) return fullName;
  const keep = fullName.slice(0, max - HASH_LEN - 1).replace(/-+$/, "");
  return `${keep}-${shortHash(fullName)}`;
}

/** Scale-set names `<base>-1` … `<base>-N`, numbered from 1 as the seed layout is. */
export function scaleSetNames(fullName: string, instances: number): string[] {
  const base = scaleSetBase(fullName);
  return Array.from({ length: instances }, (_, i) => `${base}-${i + 1}`);
}

/**
 * The `runs-on` that pins related jobs to the same instance (and so the same warm cache): the
 * instance the workflow's route job picked (config/affinity-routing.ts); one instance needs none.
 */
export function routingHint(fullName: string, instances: number): string {
  return instances === 1 ? `${scaleSetBase(fullName)}-1` : affinityRunsOn(scaleSetBase(fullName));
}

/**
 * Named explicitly so every scale set can be told who its controller is: the scale-set chart would
 * otherwise `lookup` the controller Deployment in a live cluster, which fails in preview.
 */
export const CONTROLLER_SERVICE_ACCOUNT = "arc-gha-rs-controller";
export const CONTROLLER_RELEASE = "arc";

/**
 * Node groups marked `privileged: true` carry this label and taint: only privileged runner sets
 * (dind, hostPath caches) select and tolerate them, and the controller and listeners are kept off.
 */
export const PRIVILEGED_NODE_LABEL = "runner-fleet/privileged";
export const PRIVILEGED_TAINT = { key: PRIVILEGED_NODE_LABEL, value: "true", effect: "NoSchedule" } as const;
