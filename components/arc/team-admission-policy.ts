import { PRIVILEGED_NODE_LABEL } from "../../config/names";
import { selfHostedDefaults } from "../../config/scale-set-labels";
import type { TeamConfig } from "../../config/schema";

/** Team namespaces carry this label (value: the team); the binding selects them by it. */
export const TEAM_LABEL = "runner-fleet/team";
export const TEAM_POLICY_NAME = "runner-fleet-team-scale-sets";
/** The annotation ARC keeps a scale set's GitHub id in (autoscalingrunnerset_controller.go, runnerScaleSetIDAnnotationKey). */
export const SCALE_SET_ID_ANNOTATION = "runner-scale-set-id";

/*
 * What ARC takes from an AutoscalingRunnerSet into the listener pod it runs in the controller's
 * namespace (controllers/actions.github.com/resourcebuilder.go at gha-runner-scale-set-0.14.2):
 * mergeListenerPodWithTemplate appends the template's containers and volumes, and sets
 * initContainers, ephemeralContainers, nodeName, nodeSelector, host namespaces, securityContext,
 * tolerations, affinity and every other pod field listed below; mergeListenerContainer takes the
 * "listener" container's image, command, args, env, envFrom, volumeMounts, securityContext, probes
 * and lifecycle. The lists are every property the CRD's listenerTemplate schema declares (fields
 * outside it are pruned by the API server); test/unit/team-admission.test.ts checks them against
 * the CRD. Everything is forbidden except the one container's name and our own affinity.
 */
export const LISTENER_POD_FIELDS = [
  "activeDeadlineSeconds", "automountServiceAccountToken", "dnsConfig", "dnsPolicy", "enableServiceLinks", "ephemeralContainers",
  "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "hostnameOverride", "imagePullSecrets", "initContainers",
  "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority", "priorityClassName", "readinessGates", "resourceClaims",
  "resources", "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates", "schedulingGroup", "securityContext",
  "serviceAccount", "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds",
  "tolerations", "topologySpreadConstraints", "volumes",
] as const;
export const LISTENER_POD_ALLOWED = ["containers", "affinity"] as const;
export const LISTENER_CONTAINER_FIELDS = [
  "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "ports", "readinessProbe", "resizePolicy",
  "resources", "restartPolicy", "restartPolicyRules", "securityContext", "startupProbe", "stdin", "stdinOnce", "terminationMessagePath",
  "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir",
] as const;

/**
 * AutoscalingRunnerSet fields that make objects in the controller's namespace (or reach outside the
 * cluster) beyond the listener pod: labels and annotations on the AutoscalingListener
 * (`autoscalingListener`), the listener's ServiceAccount (an `eks.amazonaws.com/role-arn`
 * annotation there would hand the listener an IAM role) and its config Secret, and a vault the
 * listener would read the credential from instead of the team's Secret.
 */
export const CONTROLLER_NAMESPACE_FIELDS = ["autoscalingListener", "listenerServiceAccountMetadata", "listenerConfigSecretMetadata", "vaultConfig"] as const;

/**
 * What the platform granted one team (its entry in runner-fleet:teams). `runnerGroups` undefined:
 * the team brings its own credential, so GitHub holds its sets to what that credential may do.
 */
export interface TeamGrant {
  name: string;
  runnerGroups: string[] | undefined;
  /** Labels beyond `<team>-…` and the self-hosted defaults its sets may register. */
  labels: string[];
}

/** Each team's grant as its platform stack declares it (runner-fleet:teams). */
export function teamGrants(teams: readonly TeamConfig[]): TeamGrant[] {
  return teams.map((t) => ({ name: t.name, runnerGroups: t.credential === "platform" ? t.runnerGroups.map((g) => g.name) : undefined, labels: t.labels }));
}

/** The labels config.sh gives self-hosted Linux runners (config/scale-set-labels.ts): any set may carry them. */
export const DEFAULT_LABELS: readonly string[] = [...new Set([...selfHostedDefaults("amd64"), ...selfHostedDefaults("arm64")])];

export interface Validation {
  expression: string;
  message: string;
}

const LT = "object.spec.listenerTemplate";
const noTemplate = `!has(${LT})`;
const noSpec = `${noTemplate} || !has(${LT}.spec)`;
const annotations = (o: string) => `(has(${o}.metadata.annotations) && '${SCALE_SET_ID_ANNOTATION}' in ${o}.metadata.annotations)`;
const TEAM = `namespaceObject.metadata.labels['${TEAM_LABEL}']`;

const celString = (v: string): string => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const celList = (vs: readonly string[]): string => `[${vs.map(celString).join(", ")}]`;

/**
 * Runner group, labels and GitHub URL against what the platform granted each team. A set on the
 * platform's credential registers with the organisation's App: in a group other than the team's
 * it would take jobs of repositories the team was never given (the team's pods, image and hooks
 * then see those jobs' secrets); with another team's or a generic label it would take jobs written
 * for other runners wherever its group is visible; at another URL it would register where the
 * App is installed but the team is not. The grants are literals in the expressions: CEL sees only
 * the request, and the stack config is the one source of them. Pairs are "team/value" strings.
 */
function grantValidations(teams: readonly TeamGrant[], githubUrl: string): Validation[] {
  const own = celList(teams.filter((t) => t.runnerGroups === undefined).map((t) => t.name));
  const groups = celList(teams.flatMap((t) => (t.runnerGroups ?? []).map((g) => `${t.name}/${g}`)));
  const labels = celList(teams.flatMap((t) => t.labels.map((l) => `${t.name}/${l}`)));
  const url = githubUrl.replace(/\/+$/, "");
  return [
    {
      expression: `${TEAM} in ${own} || (has(object.spec.runnerGroup) && (${TEAM} + '/' + object.spec.runnerGroup) in ${groups})`,
      message: "spec.runnerGroup must be one of the runner groups the platform made for this team (teams[].runnerGroups): on the platform's credential another group, or none (the Default group), would hand the team other repositories' jobs",
    },
    {
      expression: `!has(object.spec.runnerScaleSetLabels) || object.spec.runnerScaleSetLabels.all(l, l.startsWith(${TEAM} + '-') || l in ${celList(DEFAULT_LABELS)} || (${TEAM} + '/' + l) in ${labels})`,
      message: `spec.runnerScaleSetLabels may hold only labels starting with the team's name and '-', the self-hosted defaults (${DEFAULT_LABELS.join(", ")}) and labels the platform granted the team (teams[].labels): any other label takes jobs written for other runners`,
    },
    {
      expression: `${TEAM} in ${own} || object.spec.githubConfigUrl == ${celString(url)} || object.spec.githubConfigUrl.startsWith(${celString(`${url}/`)})`,
      message: `spec.githubConfigUrl must be ${url} or below it: the platform's credential registers runners wherever its App is installed`,
    },
  ];
}

/** The policy's validations, each with the message the API server returns when it fails. */
export function teamScaleSetValidations(teams: readonly TeamGrant[], githubUrl: string): Validation[] {
  return [
    {
      expression: `${noSpec} || ${LT}.spec.containers.all(c, c.name == 'listener')`,
      message: "spec.listenerTemplate may not add containers: ARC runs them in the controller's namespace beside every listener's secrets",
    },
    {
      expression: `${noSpec} || ${LT}.spec.containers.all(c, ${LISTENER_CONTAINER_FIELDS.map((f) => `!has(c.${f})`).join(" && ")})`,
      message: `spec.listenerTemplate's listener container may set only its name (ARC takes over ${LISTENER_CONTAINER_FIELDS.join(", ")})`,
    },
    {
      expression: `${noSpec} || (${LISTENER_POD_FIELDS.map((f) => `!has(${LT}.spec.${f})`).join(" && ")})`,
      message: "spec.listenerTemplate may set only containers and affinity: ARC copies volumes, init containers, node selection, host namespaces, security context and the rest into the listener pod in the controller's namespace",
    },
    {
      expression:
        `${noSpec} || !has(${LT}.spec.affinity) || (!has(${LT}.spec.affinity.podAffinity) && !has(${LT}.spec.affinity.podAntiAffinity) && ` +
        `(!has(${LT}.spec.affinity.nodeAffinity) || (!has(${LT}.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution) && ` +
        `(!has(${LT}.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) || ` +
        `${LT}.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.all(t, !has(t.matchFields) && ` +
        `(!has(t.matchExpressions) || t.matchExpressions.all(e, e.key == '${PRIVILEGED_NODE_LABEL}' && e.operator == 'DoesNotExist')))))))`,
      message: `spec.listenerTemplate's affinity may only keep the listener off privileged nodes (${PRIVILEGED_NODE_LABEL} DoesNotExist)`,
    },
    {
      expression: `${noTemplate} || !has(${LT}.metadata) || (!has(${LT}.metadata.labels) && !has(${LT}.metadata.annotations))`,
      message: "spec.listenerTemplate may not label or annotate the listener pod",
    },
    {
      expression: CONTROLLER_NAMESPACE_FIELDS.map((f) => `!has(object.spec.${f})`).join(" && "),
      message: `a team's scale set may not set ${CONTROLLER_NAMESPACE_FIELDS.join(", ")}: they shape objects in the controller's namespace`,
    },
    {
      // The id names the GitHub scale set the listener serves and the controller deletes: another
      // team's id would hand this team that team's jobs. ARC sets it (the controller is not bound).
      expression:
        `request.operation == 'CREATE' ? !${annotations("object")} : ` +
        `(${annotations("object")} == ${annotations("oldObject")} && (!${annotations("object")} || object.metadata.annotations['${SCALE_SET_ID_ANNOTATION}'] == oldObject.metadata.annotations['${SCALE_SET_ID_ANNOTATION}']))`,
      message: `the ${SCALE_SET_ID_ANNOTATION} annotation is ARC's: a team may neither set nor change it`,
    },
    {
      // Scale sets of teams on one credential share the organisation: ARC adopts an existing scale
      // set of the same name and group, so a name outside the team's prefix could take another team's.
      expression: `has(object.spec.runnerScaleSetName) && object.spec.runnerScaleSetName.startsWith(${TEAM} + '-')`,
      message: "spec.runnerScaleSetName must start with the team's name and '-' (the team stack's names do)",
    },
    ...grantValidations(teams, githubUrl),
  ];
}

export interface TeamPolicyManifests {
  policy: {
    apiVersion: "admissionregistration.k8s.io/v1";
    kind: "ValidatingAdmissionPolicy";
    metadata: { name: string; labels: Record<string, string> };
    spec: {
      failurePolicy: "Fail";
      matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
      matchConditions: { name: string; expression: string }[];
      validations: Validation[];
    };
  };
  binding: {
    apiVersion: "admissionregistration.k8s.io/v1";
    kind: "ValidatingAdmissionPolicyBinding";
    metadata: { name: string; labels: Record<string, string> };
    spec: {
      policyName: string;
      validationActions: ["Deny"];
      matchResources: { namespaceSelector: { matchExpressions: { key: string; operator: "Exists" }[] } };
    };
  };
}

/**
 * Bound by namespace, not by identity: a team's Role can make ServiceAccounts and bind its own
 * Role to them, so any identity a team mints acts in its namespaces, and teams cannot label
 * namespaces. Only ARC's controller is exempt (it writes the id annotation); it lives in the
 * controller's namespace, where no team can act.
 */
export function teamPolicyManifests(controller: { namespace: string; serviceAccount: string }, grants: { teams: readonly TeamGrant[]; githubUrl: string }): TeamPolicyManifests {
  const labels = { "app.kubernetes.io/part-of": "runner-fleet" };
  return {
    policy: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: TEAM_POLICY_NAME, labels },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{ apiGroups: ["actions.github.com"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["autoscalingrunnersets"] }],
        },
        matchConditions: [
          { name: "not-the-arc-controller", expression: `request.userInfo.username != 'system:serviceaccount:${controller.namespace}:${controller.serviceAccount}'` },
        ],
        validations: teamScaleSetValidations(grants.teams, grants.githubUrl),
      },
    },
    binding: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: TEAM_POLICY_NAME, labels },
      spec: {
        policyName: TEAM_POLICY_NAME,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: "Exists" }] } },
      },
    },
  };
}
