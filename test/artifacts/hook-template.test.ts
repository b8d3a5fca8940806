import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { HOOK_TEMPLATE_ENV, HOOK_TEMPLATE_FILE, JOB_SERVICE_ACCOUNT } from "../../components/arc/hook-template-names";
import { jobPodTemplate } from "../../components/arc/job-pod-template";
import { CACHE_DIR_ENV, runnerPodTemplate } from "../../components/arc/scale-set-values";
import { parseStackConfig } from "../../config/load";
import { fleetModel } from "../../config/model";
import { unwrapSecrets } from "../../tools/render-lib";
import { sourceFrom, TOKEN } from "../helpers/config";
import { hasUpstream } from "../helpers/env";
import { canaries, renderConfig } from "../helpers/render";
import { podTemplateValidator } from "../helpers/upstream";

type Container = { name: string; image?: string; env?: { name: string; value: string }[]; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = { containers: Container[]; volumes?: { name: string }[]; [k: string]: unknown };

/**
 * How actions/runner-container-hooks applies the template to the job pod, transcribed from its source
 * (packages/k8s/src/k8s/utils.ts mergePodSpecWithOptions / mergeContainerWithOptions and
 * hooks/prepare-job.ts createContainerSpec; v0.8.1, commit cf62bccb): the spec's volumes are appended,
 * other spec fields set, containers named `$…` are not added as side-cars, and the one named `$job` is
 * merged into the job container (env and volumeMounts appended; name and image never overridden).
 */
function applyHookTemplate(base: PodSpec, template: { spec: PodSpec }): PodSpec {
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

function kubeSets() {
  const cfg = {
    github: { url: "https://github.com/acme", auth: "token" },
    cluster: { type: "existing", archs: ["amd64"], storageClass: "gp3" },
    runnerSets: [
      { name: "k8s", containerMode: "kubernetes", instances: 2, storage: { size: "30Gi", mountPath: "/home/runner/cache" } },
      { name: "novol", containerMode: "kubernetes-novolume" },
    ],
  };
  return { cfg, sets: fleetModel(parseStackConfig(sourceFrom(cfg, { secrets: TOKEN }))).runnerSets };
}

describe("caches in the kubernetes container modes (container hook template)", () => {
  it("the job pod gets the instance's own cache at the path $RUNNER_FLEET_CACHE_DIR names, and a service account with no token", () => {
    for (const set of kubeSets().sets)
      for (const inst of set.instances) {
        const tpl = jobPodTemplate(set, inst);
        const baseJobPod: PodSpec = { containers: [{ name: "job", image: "node:22", env: [{ name: "GITHUB_ACTIONS", value: "true" }], volumeMounts: [{ name: "work", mountPath: "/__w" }] }], volumes: [{ name: "work" }] };
        // Through YAML, as the hook reads the file.
        const pod = applyHookTemplate(baseJobPod, parse(stringify(tpl)) as { spec: PodSpec });
        const job = pod.containers.find((c) => c.name === "job")!;
        expect(pod.containers.map((c) => c.name)).toEqual(["job"]);
        expect(job.volumeMounts).toContainEqual({ name: "cache", mountPath: "/home/runner/cache" });
        expect(job.env).toContainEqual({ name: CACHE_DIR_ENV, value: "/home/runner/cache" });
        expect(pod.volumes).toContainEqual({ name: "cache", persistentVolumeClaim: { claimName: `${inst.name}-cache` } });
        expect(pod.serviceAccountName).toBe(JOB_SERVICE_ACCOUNT);
        expect(pod.automountServiceAccountToken).toBe(false);
        // The runner pod points the hooks at the template.
        const runner = runnerPodTemplate(set, inst).spec.containers as unknown as Container[];
        expect(runner[0]!.env).toContainEqual({ name: HOOK_TEMPLATE_ENV, value: `/home/runner/runner-fleet-hooks/${HOOK_TEMPLATE_FILE}` });
      }
  });

  it.runIf(hasUpstream())("the hook template is a valid PodTemplateSpec (the CRD's schema, closed)", () => {
    const validate = podTemplateValidator("template");
    for (const set of kubeSets().sets) for (const inst of set.instances) expect(validate(jobPodTemplate(set, inst)), JSON.stringify(validate.errors)).toBe(true);
  });

  it("renders a ConfigMap per instance, and a job service account bound by no role", async () => {
    const { cfg } = kubeSets();
    const r = await renderConfig("hooks", cfg, { githubToken: canaries().token });
    const cms = r.resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap").map((x) => x.name);
    expect(cms).toEqual(["k8s-1-hook-template", "k8s-2-hook-template", "novol-1-hook-template"]);
    const sa = r.resources.filter((x) => x.type === "kubernetes:core/v1:ServiceAccount").map((x) => unwrapSecrets(x.inputs) as { metadata: { name: string }; automountServiceAccountToken: boolean });
    expect(sa).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: JOB_SERVICE_ACCOUNT }), automountServiceAccountToken: false })]);
    const bindings = r.resources.filter((x) => /RoleBinding/.test(x.type));
    for (const b of bindings) expect(JSON.stringify(unwrapSecrets(b.inputs))).not.toContain(JOB_SERVICE_ACCOUNT);
  }, 60_000);
});
