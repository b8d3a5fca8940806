import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";
import { JOB_SERVICE_ACCOUNT } from "./hook-template-names";
import { CACHE_DIR_ENV, CACHE_VOLUME, instanceLabels } from "./scale-set-values";


/**
 * The container hook template (actions/runner-container-hooks, packages/k8s: a PodTemplateSpec whose
 * `spec` is merged into the job pod — volumes appended, other fields set — and whose container named
 * `$job` is merged into the job container — env and volumeMounts appended). It gives the job pod the
 * instance's own cache at the path $RUNNER_FLEET_CACHE_DIR names, and a service account that can read
 * nothing.
 */
export function jobPodTemplate(set: RunnerSetModel, inst: ScaleSetInstance): {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName: string;
    automountServiceAccountToken: false;
    volumes: { name: string; persistentVolumeClaim?: { claimName: string }; hostPath?: { path: string; type: string } }[];
    containers: { name: "$job"; env: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string }[] }[];
  };
} {
  const cache = inst.cache;
  const volume = cache.kind === "hostPath" ? { name: CACHE_VOLUME, hostPath: { path: cache.path, type: "DirectoryOrCreate" } } : { name: CACHE_VOLUME, persistentVolumeClaim: { claimName: cache.claimName } };
  return {
    metadata: { labels: instanceLabels(set, inst) },
    spec: {
      serviceAccountName: JOB_SERVICE_ACCOUNT,
      automountServiceAccountToken: false,
      volumes: [volume],
      containers: [{ name: "$job", env: [{ name: CACHE_DIR_ENV, value: cache.mountPath }], volumeMounts: [{ name: CACHE_VOLUME, mountPath: cache.mountPath }] }],
    },
  };
}
