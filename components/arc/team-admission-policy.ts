import { PRIVILEGED_NODE_LABEL } from "../../config/names";

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

export interface Validation {
  expression: string;
  message: string;
}

const LT = "object.spec.listenerTemplate";
const noTemplate = `!has(${LT})`;
const noSpec = `${noTemplate} || !has(${LT}.spec)`;
const annotations = (o: string) => `(has(${o}.metadata.annotations) && '${SCALE_SET_ID_ANNOTATION}' in ${o}.metadata.annotations)`;
const TEAM = `namespaceObject.metadata.labels['${TEAM_LABEL}']`;

/** The policy's validations, each with the message the API server returns when it fails. */
export function teamScaleSetValidations(): Validation[] {
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
export function teamPolicyManifests(controller: { namespace: string; serviceAccount: string }): TeamPolicyManifests {
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
        validations: teamScaleSetValidations(),
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
