import type { CacheVolume } from "../../config/model";

export const CACHE_VOLUME = "cache";
/** Workflows find the instance's cache here, whatever mountPath the stack chose. */
export const CACHE_DIR_ENV = "RUNNER_FLEET_CACHE_DIR";
/** ...and write to here: the same directory where the job may write the shared part, else its own. */
export const CACHE_WRITE_DIR_ENV = "RUNNER_FLEET_CACHE_WRITE_DIR";
/** "shared", "instance", or the job's own scope (`<event>-<hash of event and ref>`). */
export const CACHE_SCOPE_ENV = "RUNNER_FLEET_CACHE_SCOPE";

export type VolumeSpec =
  | { name: string; hostPath: { path: string; type: "DirectoryOrCreate" } }
  | { name: string; persistentVolumeClaim: { claimName: string } };

/** The pod volume of an instance's cache: the same in the runner pod and in the job pod. */
export function cacheVolume(cache: CacheVolume): VolumeSpec {
  return cache.kind === "hostPath"
    ? { name: CACHE_VOLUME, hostPath: { path: cache.path, type: "DirectoryOrCreate" } }
    : { name: CACHE_VOLUME, persistentVolumeClaim: { claimName: cache.claimName } };
}
