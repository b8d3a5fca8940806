export type Container = { name: string; image?: string; env?: { name: string; value: string }[]; volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[] };
export type PodSpec = { containers: Container[]; volumes?: { name: string; [k: string]: unknown }[]; [k: string]: unknown };

/**
 * How actions/runner-container-hooks applies the template to the job pod, transcribed from its source
 * (packages/k8s/src/k8s/utils.ts mergePodSpecWithOptions / mergeContainerWithOptions and
 * hooks/prepare-job.ts createContainerSpec; v0.7.0, the k8s hook in the runner image, and v0.8.1,
 * its k8s-novolume hook, commit cf62bccb): the spec's volumes are appended, other spec fields set
 * (replacing the hook's own, e.g. novolume's initContainers and securityContext), containers named
 * `$…` are not added as side-cars, and the one named `$job` is merged into the job container (env
 * and volumeMounts appended; name and image never overridden).
 */
export function applyHookTemplate(base: PodSpec, template: { spec: PodSpec }): PodSpec {
  const pod: PodSpec = structuredClone(base);
  for (const [k, v] of Object.entries(template.spec)) {
    if (k === "containers") pod.containers.push(...(v as Container[]).filter((c) => !c.name.startsWith("$")));
    else if (k === "volumes") pod.volumes = [...(pod.volumes ?? []), ...(v as { name: string }[])];
    else pod[k] = v;
  }
  const ext = template.spec.containers.find((c) => c.name === "$job");
  const job = pod.containers.find((c) => c.name === "job")!;
  if (ext) {
    job.env = [...(job.env ?? []), ...(ext.env ?? [])];
    job.volumeMounts = [...(job.volumeMounts ?? []), ...(ext.volumeMounts ?? [])];
  }
  return pod;
}

/** The job pod the k8s hook builds before merging (its work volume), for a job in `image`. */
export function baseJobPod(image = "node:22"): PodSpec {
  return { containers: [{ name: "job", image, env: [{ name: "GITHUB_ACTIONS", value: "true" }], volumeMounts: [{ name: "work", mountPath: "/__w" }] }], volumes: [{ name: "work" }] };
}
