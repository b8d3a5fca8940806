import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { HOOK_TEMPLATE_ENV, HOOK_TEMPLATE_FILE, JOB_SERVICE_ACCOUNT } from "../../components/arc/hook-template-names";
import { jobPodTemplate, jobPodTemplates } from "../../components/arc/job-pod-template";
import { CACHE_DIR_ENV, runnerPodTemplate } from "../../components/arc/scale-set-values";
import { parseStackConfig } from "../../config/load";
import { fleetModel } from "../../config/model";
import { unwrapSecrets } from "../../tools/render-lib";
import { sourceFrom, TOKEN } from "../helpers/config";
import { hasUpstream } from "../helpers/env";
import { canaries, renderConfig } from "../helpers/render";
import { podTemplateValidator } from "../helpers/upstream";
import { applyHookTemplate, baseJobPod, type Container, type PodSpec } from "../helpers/hook-merge";

function kubeSets() {
  const cfg = {
    github: { url: "https://github.com/acme", auth: "token" },
    cluster: { type: "existing", archs: ["amd64"], storageClass: "gp3" },
    runnerSets: [
      // One cache for every job (declared one trust domain), and the default: scoped by ref (cache-scope.test.ts).
      { name: "k8s", containerMode: "kubernetes", instances: 2, storage: { size: "30Gi", mountPath: "/home/runner/cache", oneTrustDomain: true } },
      { name: "novol", containerMode: "kubernetes-novolume" },
    ],
  };
  return { cfg, sets: fleetModel(parseStackConfig(sourceFrom(cfg, { secrets: TOKEN }))).runnerSets };
}

describe("caches in the kubernetes container modes (container hook template)", () => {
  it("one trust domain: the job pod gets the instance's whole cache at the path $RUNNER_FLEET_CACHE_DIR names, and a service account with no token", () => {
    for (const set of kubeSets().sets.filter((s) => s.name === "k8s"))
      for (const inst of set.instances) {
        const tpl = jobPodTemplate(set, inst);
        // Through YAML, as the hook reads the file.
        const pod = applyHookTemplate(baseJobPod(), parse(stringify(tpl)) as { spec: PodSpec });
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
    for (const set of kubeSets().sets)
      for (const inst of set.instances)
        for (const tpl of Object.values(jobPodTemplates(set, inst))) expect(validate(tpl), JSON.stringify(validate.errors)).toBe(true);
  });

  it("renders a ConfigMap per instance, and a job service account bound by no role", async () => {
    const { cfg } = kubeSets();
    const r = await renderConfig("hooks", cfg, { githubToken: canaries().token });
    const cms = r.resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap").map((x) => x.name);
    expect(cms).toEqual(["k8s-1-hook-template", "k8s-2-hook-template", "novol-1-hook-template"]);
    const files = r.resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap").map((x) => Object.keys((unwrapSecrets(x.inputs) as { data: object }).data).sort());
    expect(files).toEqual([["job-template.yaml"], ["job-template.yaml"], ["cache-scope-hook.sh", "job-template-scoped.yaml", "job-template-writer.yaml"]]);
    const sa = r.resources.filter((x) => x.type === "kubernetes:core/v1:ServiceAccount").map((x) => unwrapSecrets(x.inputs) as { metadata: { name: string }; automountServiceAccountToken: boolean });
    expect(sa).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: JOB_SERVICE_ACCOUNT }), automountServiceAccountToken: false })]);
    const bindings = r.resources.filter((x) => /RoleBinding/.test(x.type));
    for (const b of bindings) expect(JSON.stringify(unwrapSecrets(b.inputs))).not.toContain(JOB_SERVICE_ACCOUNT);
  }, 60_000);
});
