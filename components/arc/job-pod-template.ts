import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";
import { CACHE_DIR_ENV, CACHE_SCOPE_ENV, CACHE_VOLUME, CACHE_WRITE_DIR_ENV, cacheVolume, type VolumeSpec } from "./cache-volume";
import { HOOK_TEMPLATE_FILE, JOB_SERVICE_ACCOUNT, REPO_PLACEHOLDER, SCOPE_PLACEHOLDER, SCOPED_TEMPLATE_FILE, WRITER_TEMPLATE_FILE } from "./hook-template-names";
import { instanceLabels } from "./instance-labels";

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface JobPodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName: string;
    automountServiceAccountToken: false;
    volumes: VolumeSpec[];
    containers: { name: "$job"; env: { name: string; value: string }[]; volumeMounts: VolumeMount[] }[];
  };
}

/** Which job template: one for every job (instance scope, or no cache), or one of the two a ref-scoped hook picks from. */
export type TemplateVariant = "instance" | "writer" | "scoped";

/**
 * A container hook template (actions/runner-container-hooks, packages/k8s: a PodTemplateSpec whose
 * `spec` is merged into the job pod — volumes appended, other fields set — and whose container named
 * `$job` is merged into the job container — env and volumeMounts appended). It sets only what the
 * hook merges without replacing its own (no initContainers, no securityContext: the novolume hook
 * sets both) and a service account that can read nothing.
 *
 * Ref-scoped caches: the writer variant mounts the repository's shared part read-write; the scoped
 * variant mounts it read-only at mountPath and the job's own part read-write at writeMountPath. The
 * hook fills in the repository and scope (placeholders) before the job pod exists; the job cannot
 * name another subPath, because user volumes in these hooks only ever mount the work volume.
 */
export function jobPodTemplate(set: RunnerSetModel, inst: ScaleSetInstance, variant: TemplateVariant = "instance"): JobPodTemplate {
  const cache = inst.cache;
  const env: { name: string; value: string }[] = [];
  const mounts: VolumeMount[] = [];
  if (cache !== undefined) {
    const shared = `repos/${REPO_PLACEHOLDER}/shared`;
    if (variant === "instance") {
      env.push({ name: CACHE_DIR_ENV, value: cache.mountPath }, { name: CACHE_WRITE_DIR_ENV, value: cache.mountPath }, { name: CACHE_SCOPE_ENV, value: "instance" });
      mounts.push({ name: CACHE_VOLUME, mountPath: cache.mountPath });
    } else if (cache.scope.kind !== "ref") {
      throw new Error(`${inst.name}: a ${variant} job template needs a ref-scoped cache`);
    } else if (variant === "writer") {
      env.push({ name: CACHE_DIR_ENV, value: cache.mountPath }, { name: CACHE_WRITE_DIR_ENV, value: cache.mountPath }, { name: CACHE_SCOPE_ENV, value: "shared" });
      mounts.push({ name: CACHE_VOLUME, mountPath: cache.mountPath, subPath: shared });
    } else {
      const own = cache.scope.writeMountPath;
      env.push({ name: CACHE_DIR_ENV, value: cache.mountPath }, { name: CACHE_WRITE_DIR_ENV, value: own }, { name: CACHE_SCOPE_ENV, value: SCOPE_PLACEHOLDER });
      mounts.push(
        { name: CACHE_VOLUME, mountPath: cache.mountPath, subPath: shared, readOnly: true },
        { name: CACHE_VOLUME, mountPath: own, subPath: `repos/${REPO_PLACEHOLDER}/scopes/${SCOPE_PLACEHOLDER}` },
      );
    }
  }
  return {
    metadata: { labels: instanceLabels(set, inst) },
    spec: {
      serviceAccountName: JOB_SERVICE_ACCOUNT,
      automountServiceAccountToken: false,
      volumes: cache === undefined ? [] : [cacheVolume(cache)],
      containers: [{ name: "$job", env, volumeMounts: mounts }],
    },
  };
}

/** The job templates an instance's hook ConfigMap carries, by file name. */
export function jobPodTemplates(set: RunnerSetModel, inst: ScaleSetInstance): Record<string, JobPodTemplate> {
  if (inst.cache?.scope.kind === "ref") {
    return { [WRITER_TEMPLATE_FILE]: jobPodTemplate(set, inst, "writer"), [SCOPED_TEMPLATE_FILE]: jobPodTemplate(set, inst, "scoped") };
  }
  return { [HOOK_TEMPLATE_FILE]: jobPodTemplate(set, inst, "instance") };
}
