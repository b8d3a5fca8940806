import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { grants, TEAM_DEPLOYER_RULES, type PolicyRule } from "../../components/arc/team-rbac";
import { scopedKubeconfig } from "../../components/k8s/scoped-kubeconfig";
import { eksKubeconfig } from "../../components/aws/eks-kubeconfig";

/**
 * The Roles the gha-runner-scale-set chart creates in a runner namespace, transcribed from its
 * templates at tag gha-runner-scale-set-0.14.2 (commit 9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8):
 * templates/manager_role.yaml (rules, with githubServerTLS set) and templates/kube_mode_role.yaml
 * (rules, kubernetes mode). ../shared/upstream holds the chart's CRDs and values, not its
 * templates, so the rules are recorded here with their source.
 */
const CHART_MANAGER_ROLE: PolicyRule[] = [
  { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete", "get"] },
  { apiGroups: [""], resources: ["pods/status"], verbs: ["get"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete", "get", "list", "patch", "update"] },
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["create", "delete", "get", "list", "patch", "update"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create", "delete", "get", "patch", "update"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["create", "delete", "get", "patch", "update"] },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
];
const CHART_KUBE_MODE_ROLE: PolicyRule[] = [
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
  { apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"] },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "create", "delete"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "create", "delete"] },
];
const triples = (rules: PolicyRule[]) => rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => [g, res, v] as const))));

describe("a team's Role", () => {
  it("holds every rule of the Roles the chart creates (Kubernetes refuses a Role granting more than its creator holds)", () => {
    for (const [g, res, v] of triples([...CHART_MANAGER_ROLE, ...CHART_KUBE_MODE_ROLE])) expect(grants(TEAM_DEPLOYER_RULES, g, res, v), `${g}/${res} ${v}`).toBe(true);
  });

  it("can create what the team stack and the chart make: scale sets, caches, hook templates, Helm's release records", () => {
    for (const [g, res] of [["actions.github.com", "autoscalingrunnersets"], ["", "persistentvolumeclaims"], ["", "configmaps"], ["", "secrets"], ["", "serviceaccounts"]] as const) {
      for (const v of ["create", "get", "list", "update", "patch", "delete"]) expect(grants(TEAM_DEPLOYER_RULES, g, res, v), `${g}/${res} ${v}`).toBe(true);
    }
  });

  it("grants no wildcard, no escalate or bind, and nothing that changes the namespace's own guards", () => {
    expect(JSON.stringify(TEAM_DEPLOYER_RULES)).not.toContain("*");
    for (const v of ["escalate", "bind", "impersonate"]) expect(TEAM_DEPLOYER_RULES.some((r) => r.verbs.includes(v)), v).toBe(false);
    for (const [g, res] of [["", "namespaces"], ["", "resourcequotas"], ["", "limitranges"], ["networking.k8s.io", "networkpolicies"], ["", "nodes"], ["rbac.authorization.k8s.io", "clusterroles"]] as const) {
      expect(grants(TEAM_DEPLOYER_RULES, g, res, "update") || grants(TEAM_DEPLOYER_RULES, g, res, "create") || grants(TEAM_DEPLOYER_RULES, g, res, "delete"), `${g}/${res}`).toBe(false);
    }
  });
});

describe("a team's kubeconfig", () => {
  const eks = eksKubeconfig({ clusterName: "runner-fleet", endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", certificateAuthority: "LS0tQ0E=", region: "eu-west-1" });

  it("keeps the platform's server and CA, and authenticates only with the team's token, in the team's namespace", () => {
    const doc = parse(scopedKubeconfig(eks, "payments-runner-fleet", "tok-123", "payments-runners")) as Record<string, unknown>;
    expect(doc).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "runner-fleet", cluster: { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "certificate-authority-data": "LS0tQ0E=" } }],
      contexts: [{ name: "payments-runner-fleet", context: { cluster: "runner-fleet", user: "payments-runner-fleet", namespace: "payments-runners" } }],
      "current-context": "payments-runner-fleet",
      users: [{ name: "payments-runner-fleet", user: { token: "tok-123" } }],
    });
  });

  it("drops the platform's own user (client certificates of kind, exec plugins of EKS)", () => {
    const kind = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: kind-a",
      "  cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: Q0E= }",
      "- name: kind-b",
      "  cluster: { server: 'https://127.0.0.1:7443', certificate-authority-data: Qg== }",
      "contexts:",
      "- { name: kind-a, context: { cluster: kind-a, user: admin-a } }",
      "- { name: kind-b, context: { cluster: kind-b, user: admin-b } }",
      "current-context: kind-b",
      "users:",
      "- { name: admin-b, user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZ } }",
    ].join("\n");
    const out = scopedKubeconfig(kind, "t", "tok", "t-runners");
    expect(parse(out)).toMatchObject({ clusters: [{ name: "kind-b", cluster: { server: "https://127.0.0.1:7443" } }] });
    expect(out).not.toMatch(/client-key|client-certificate|S0VZ|exec/);
    expect(scopedKubeconfig(eks, "t", "tok", "ns")).not.toMatch(/exec|get-token/);
    expect(() => scopedKubeconfig("apiVersion: v1\nkind: Config\n", "t", "tok", "ns")).toThrow(/no cluster server/);
  });
});
