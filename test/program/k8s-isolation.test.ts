import { beforeAll, describe, expect, it } from "vitest";
import { unwrapSecrets, type RenderResult, type RenderedResource } from "../../tools/render-lib";
import { baseConfig, configErrorLines, TOKEN } from "../helpers/config";
import { canaries, renderRealStack } from "../helpers/render";

const RELEASE = "kubernetes:helm.sh/v3:Release";
type Toleration = { key: string; operator: string; value?: string; effect: string };
type Expr = { key: string; operator: string; values?: string[] };
interface Placement {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions: Expr[] }[] } } };
}
interface Node {
  name: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

/** The scheduler's hard rules, as far as node selectors, required node affinity and NoSchedule taints go. */
function canSchedule(pod: Placement, node: Node, arch: string): boolean {
  const labels: Record<string, string> = { ...node.labels, "kubernetes.io/os": "linux", "kubernetes.io/arch": arch };
  for (const [k, v] of Object.entries(pod.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => t.matchExpressions.every((e) => (e.operator === "DoesNotExist" ? !(e.key in labels) : e.operator === "Exists" ? e.key in labels : e.operator === "In" ? e.values!.includes(labels[e.key]!) : !e.values!.includes(labels[e.key]!))))) return false;
  return node.taints.every((t) =>
    (pod.tolerations ?? []).some((tol) => tol.key === t.key && tol.effect === t.effect && (tol.operator === "Exists" || tol.value === t.value)),
  );
}

const EFFECT: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

let prod: RenderResult;
beforeAll(async () => {
  prod = await renderRealStack("prod", canaries());
}, 120_000);

const releases = (): RenderedResource[] => prod.resources.filter((r) => r.type === RELEASE);
const nodes = (): (Node & { arch: string })[] =>
  prod.resources
    .filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")
    .map((r) => {
      const i = unwrapSecrets(r.inputs) as { nodeGroupName: string; amiType: string; labels: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] };
      return { name: i.nodeGroupName, arch: i.amiType.includes("ARM") ? "arm64" : "amd64", labels: i.labels, taints: (i.taints ?? []).map((t) => ({ ...t, effect: EFFECT[t.effect]! })) };
    });

interface SetValues {
  containerMode?: { type: string };
  listenerTemplate: { spec: Placement };
  template: { spec: Placement & { volumes?: { hostPath?: unknown }[] } };
}
const scaleSets = () => releases().filter((r) => r.name !== "arc-controller").map((r) => ({ name: r.name, ns: (unwrapSecrets(r.inputs) as { namespace: string }).namespace, values: unwrapSecrets(r.inputs.values) as SetValues }));
const privileged = (v: SetValues) => v.containerMode?.type === "dind" || (v.template.spec.volumes ?? []).some((x) => x.hostPath !== undefined);
const where = (pod: Placement) => nodes().filter((n) => ["amd64", "arm64"].some((a) => a === n.arch && canSchedule(pod, n, a))).map((n) => n.name);

describe("privileged runners kept apart (prod)", () => {
  it("no privileged runner pod can land where the controller or a listener can", () => {
    const controller = unwrapSecrets(releases().find((r) => r.name === "arc-controller")!.inputs.values) as Placement;
    const guarded = new Set([...where(controller), ...scaleSets().flatMap((s) => where(s.values.listenerTemplate.spec))]);
    expect(guarded.size).toBeGreaterThan(0);
    const priv = scaleSets().filter((s) => privileged(s.values));
    expect(priv.map((s) => s.name)).toEqual(["org-builders-1"]);
    for (const s of priv) {
      const landing = where({ ...s.values.template.spec, nodeSelector: { ...s.values.template.spec.nodeSelector } });
      expect(landing, s.name).toEqual(["runner-fleet-prod-amd64-privileged"]);
      for (const n of landing) expect(guarded.has(n), `${s.name} could share ${n} with the controller or a listener`).toBe(false);
    }
    // And the unprivileged sets stay off the privileged group.
    for (const s of scaleSets().filter((x) => !privileged(x.values))) expect(where(s.values.template.spec)).not.toContain("runner-fleet-prod-amd64-privileged");
  });

  it("privileged sets live in their own namespace at Pod Security privileged; the rest at baseline", () => {
    const level = (ns: string) =>
      (unwrapSecrets(prod.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === ns)!.inputs) as { metadata: { labels: Record<string, string> } }).metadata.labels["pod-security.kubernetes.io/enforce"];
    expect(level("arc-runners")).toBe("baseline");
    expect(level("arc-runners-privileged")).toBe("privileged");
    for (const s of scaleSets()) expect(s.ns, s.name).toBe(privileged(s.values) ? "arc-runners-privileged" : "arc-runners");
  });

  it("the scheduling model itself refuses what it should", () => {
    const tainted: Node = { name: "p", labels: { "runner-fleet/privileged": "true" }, taints: [{ key: "runner-fleet/privileged", value: "true", effect: "NoSchedule" }] };
    expect(canSchedule({}, tainted, "amd64")).toBe(false);
    expect(canSchedule({ tolerations: [{ key: "runner-fleet/privileged", operator: "Equal", value: "true", effect: "NoSchedule" }] }, tainted, "amd64")).toBe(true);
    const away = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "runner-fleet/privileged", operator: "DoesNotExist" }] }] } } };
    expect(canSchedule({ affinity: away, tolerations: [{ key: "runner-fleet/privileged", operator: "Exists", effect: "NoSchedule" }] }, tainted, "amd64")).toBe(false);
  });
});

describe("config", () => {
  it("refuses a privileged set on EKS without a privileged node group of its arch, by key", () => {
    const c = baseConfig();
    c.cluster = { type: "eks", name: "x", storageClass: "gp3", nodeGroups: [{ name: "amd64", arch: "amd64", instanceTypes: ["m7i.large"] }] };
    c.runnerSets = [{ name: "docker", instances: 1, containerMode: "dind" }];
    const lines = configErrorLines(c, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } });
    expect(lines).toEqual([expect.stringMatching(/^Pulumi\.test\.yaml: runner-fleet:runnerSets\[0\]\.containerMode: dind runs a privileged pod: .* needs an amd64 node group with privileged: true/)]);
  });
});
