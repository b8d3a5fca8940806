import { describe, expect, it } from "vitest";
import { controllerValues } from "../../components/arc/controller-values";
import { podSecurityLevel } from "../../components/arc/pod-security";
import { runnerPodTemplate, scaleSetValues, type ScaleSetValues } from "../../components/arc/scale-set-values";
import { githubSecretData } from "../../components/secrets/github-secret-data";
import { parseStackConfig } from "../../config/load";
import { fleetModel, type RunnerSetModel } from "../../config/model";
import { baseConfig, sourceFrom, TOKEN } from "../helpers/config";
import { hasUpstream } from "../helpers/env";
import { documentedValuePaths, podTemplateValidator, valuePaths } from "../helpers/upstream";

const CTX = { credentialsSecretName: "runner-fleet-github", controllerNamespace: "arc-systems", controllerServiceAccount: "arc-gha-rs-controller" };

/** One runner set of each shape the chart distinguishes. */
function sets(): RunnerSetModel[] {
  const kind = baseConfig();
  kind.runnerSets = [
    { name: "plain", instances: 2 },
    { name: "docker", containerMode: "dind", labels: ["docker"] },
  ];
  const existing = {
    github: { url: "https://github.com/acme", auth: "token" },
    cluster: { type: "existing", archs: ["amd64", "arm64"], storageClass: "gp3" },
    runnerSets: [
      { name: "k8s", containerMode: "kubernetes", arch: "arm64", runnerGroup: "builders", labels: ["k8s"], storage: { size: "30Gi" } },
      { name: "novol", containerMode: "kubernetes-novolume", labels: ["novol"], minRunners: 1, maxRunners: 4 },
    ],
  };
  const eks = {
    github: { url: "https://github.com/acme", auth: "token" },
    cluster: {
      type: "eks",
      nodeGroups: [
        { name: "a", arch: "amd64", instanceTypes: ["m7i.large"] },
        { name: "g", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }] },
      ],
    },
    runnerSets: [{ name: "graviton", arch: "arm64", instances: 2, labels: ["graviton"] }],
  };
  const sources = [sourceFrom(kind, { secrets: TOKEN }), sourceFrom(existing, { secrets: TOKEN }), sourceFrom(eks, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } })];
  return sources.flatMap((src) => fleetModel(parseStackConfig(src)).runnerSets);
}

function allValues(): { set: RunnerSetModel; values: ScaleSetValues }[] {
  return sets().flatMap((set) => set.instances.map((inst) => ({ set, values: scaleSetValues(set, inst, CTX) })));
}

describe("scale-set values", () => {
  it("name the pre-created credential Secret and the controller, never a credential", () => {
    for (const { values } of allValues()) {
      expect(values.githubConfigSecret).toBe("runner-fleet-github");
      expect(values.controllerServiceAccount).toEqual({ namespace: "arc-systems", name: "arc-gha-rs-controller" });
      expect(JSON.stringify(values)).not.toMatch(/github_token|github_app_private_key|ghp_/);
    }
  });

  it("tolerate the Graviton taint on EKS", () => {
    const g = allValues().find((v) => v.set.name === "graviton")!.values;
    expect(g.template.spec.tolerations).toEqual([{ key: "runner-fleet/arch", operator: "Equal", value: "arm64", effect: "NoSchedule" }]);
    expect(g.template.spec.volumes).toEqual([{ name: "cache", persistentVolumeClaim: { claimName: "graviton-1-cache" } }]);
  });

  it("select the set's architecture and mount the instance's own cache", () => {
    const k8s = allValues().find((v) => v.set.name === "k8s")!.values;
    expect(k8s.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64" });
    expect(k8s.template.spec.volumes).toEqual([
      { name: "cache", persistentVolumeClaim: { claimName: "k8s-1-cache" } },
      // kubernetes mode: the container hook template that gives the job pod the same cache.
      { name: "runner-fleet-hook-template", configMap: { name: "k8s-1-hook-template" } },
    ]);
    expect(k8s.containerMode).toEqual({
      type: "kubernetes",
      kubernetesModeWorkVolumeClaim: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "5Gi" } } },
    });
    expect(k8s.runnerGroup).toBe("builders");
    expect(k8s.scaleSetLabels).toEqual(["k8s"]);
    const plain = allValues().filter((v) => v.set.name === "plain").map((v) => v.values.template.spec.volumes);
    expect(plain).toEqual([
      [{ name: "cache", hostPath: { path: "/tmp/github-runner-cache/plain-1", type: "DirectoryOrCreate" } }],
      [{ name: "cache", hostPath: { path: "/tmp/github-runner-cache/plain-2", type: "DirectoryOrCreate" } }],
    ]);
  });

  it("mirror the chart's own fail checks: name ≤ 45, labels non-empty and < 256, max ≥ min ≥ 0", () => {
    for (const { values } of allValues()) {
      expect(values.runnerScaleSetName.length).toBeLessThanOrEqual(45);
      for (const l of values.scaleSetLabels ?? []) expect(l.length > 0 && l.length < 256).toBe(true);
      expect(values.maxRunners).toBeGreaterThanOrEqual(values.minRunners);
      expect(values.minRunners).toBeGreaterThanOrEqual(0);
    }
  });

  it("run privileged only where configured: the namespace level follows the sets", () => {
    const all = sets();
    expect(podSecurityLevel(all.filter((s) => s.name === "k8s" || s.name === "novol"))).toBe("baseline");
    expect(podSecurityLevel(all.filter((s) => s.name === "docker"))).toBe("privileged");
    expect(podSecurityLevel(all.filter((s) => s.name === "plain"))).toBe("privileged"); // hostPath cache on kind
    const k8s = all.find((s) => s.name === "k8s")!;
    expect(runnerPodTemplate(k8s, k8s.instances[0]!).spec.initContainers).toBeUndefined();
  });
});

describe.runIf(hasUpstream())("against the upstream ARC 0.14.2 chart and CRDs", () => {
  it("every scale-set value we set is a key the chart documents", () => {
    const documented = documentedValuePaths("gha-runner-scale-set.values.yaml");
    expect(documented.has("githubConfigSecrets")).toBe(false);
    expect(documented.has("containerMode.kubernetesModeWorkVolumeClaim.storageClassName")).toBe(true);
    for (const { set, values } of allValues()) {
      // template and listenerTemplate are PodTemplateSpecs: checked against the CRD below, not values.yaml.
      for (const path of valuePaths(values, ["template", "listenerTemplate", "labels"])) {
        expect(documented.has(path), `${set.name}: ${path} is not in the chart's values.yaml`).toBe(true);
      }
    }
  });

  it("every controller value we set is a key the chart documents", () => {
    const documented = documentedValuePaths("gha-runner-scale-set-controller.values.yaml");
    const values = controllerValues({ controllerNamespace: "arc-systems", runnerNamespace: "arc-runners", logLevel: "info", logFormat: "json", metrics: true, prometheusOperator: false });
    expect(values.metrics).toEqual({ controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" });
    // affinity is a documented key whose value is a Kubernetes Affinity.
    for (const path of valuePaths(values, ["labels", "affinity"])) expect(documented.has(path), path).toBe(true);
  });

  it("every runner pod template validates against the AutoscalingRunnerSet spec.template schema", () => {
    const validate = podTemplateValidator();
    for (const { set, values } of allValues()) {
      const ok = validate(values.template);
      expect(ok, `${set.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("every listener pod template validates against the CRD's spec.listenerTemplate schema", () => {
    const validate = podTemplateValidator("listenerTemplate");
    for (const { set, values } of allValues()) expect(validate(values.listenerTemplate), `${set.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    const typo = structuredClone(allValues()[0]!.values.listenerTemplate) as unknown as { spec: Record<string, unknown> };
    typo.spec.afinity = {};
    expect(validate(typo)).toBe(false);
  });

  it("the schema check is strict enough to catch a typo'd field", () => {
    const validate = podTemplateValidator();
    const bad = structuredClone(allValues()[0]!.values.template);
    (bad.spec as { nodeSelectors?: unknown }).nodeSelectors = {};
    expect(validate(bad)).toBe(false);
    const wrongType = structuredClone(allValues()[0]!.values.template);
    wrongType.spec.securityContext = { fsGroup: "123" };
    expect(validate(wrongType)).toBe(false);
  });
});

describe("credential Secret data", () => {
  it("uses the data keys the chart reads from a pre-created githubConfigSecret", () => {
    expect(Object.keys(githubSecretData({ kind: "token", token: "t" }))).toEqual(["github_token"]);
    expect(githubSecretData({ kind: "app", appId: "1", installationId: "2", privateKey: "k" })).toEqual({
      github_app_id: "1",
      github_app_installation_id: "2",
      github_app_private_key: "k",
    });
  });
});
