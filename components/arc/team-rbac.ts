/**
 * What a team's identity may do in its own namespaces: exactly what its stack and the
 * gha-runner-scale-set chart create there, and nothing cluster-wide.
 *
 * Kubernetes refuses to let anyone create a Role granting more than they hold (RBAC escalation
 * prevention), and the chart creates two Roles in the runner namespace: the controller's manager
 * Role and, in kubernetes mode, the runner's. So the team holds every rule of those (recorded in
 * test/unit/team-rbac.test.ts from the chart's templates at gha-runner-scale-set-0.14.2), which
 * includes Secrets in its namespaces; Helm keeps each release's state in Secrets there too. The
 * credential Secret the platform puts in those namespaces is therefore readable by the team's
 * identity: the key stays out of the team's Pulumi state and outputs, but not out of its reach
 * (README, "Teams without the organisation's key").
 */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const ALL = ["get", "list", "watch", "create", "update", "patch", "delete"];

export const TEAM_DEPLOYER_RULES: PolicyRule[] = [
  // The chart's objects and our own per-set objects (caches, hook templates, job service account).
  { apiGroups: ["actions.github.com"], resources: ["autoscalingrunnersets"], verbs: ALL },
  { apiGroups: [""], resources: ["configmaps", "persistentvolumeclaims", "serviceaccounts", "secrets"], verbs: ALL },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ALL },
  // Held only so the chart's Roles can grant them (to the controller and to kube-mode runners).
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
  { apiGroups: [""], resources: ["pods/status"], verbs: ["get"] },
  { apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"] },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "create", "delete"] },
];

/** Does `rules` grant this verb on this resource (RBAC's own matching, "*" included)? */
export function grants(rules: PolicyRule[], apiGroup: string, resource: string, verb: string): boolean {
  const has = (list: string[], v: string) => list.includes(v) || list.includes("*");
  return rules.some((r) => has(r.apiGroups, apiGroup) && has(r.resources, resource) && has(r.verbs, verb));
}
