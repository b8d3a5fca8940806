import * as pulumi from "@pulumi/pulumi";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { clusterFacts } from "../../config/cluster-facts";
import { ConfigError } from "../../config/errors";
import { fleetProgram } from "../../stacks/program";
import { arcSchema, clusterSchema } from "../../config/schema";
import { renderDocument } from "../../tools/render-format";
import { asStackReference, renderStack, unwrapSecrets, type RenderResult, type RenderedResource } from "../../tools/render-lib";
import { renderStackFile } from "../../tools/render-stack-file";
import { PROJECT } from "../../tools/stack-file";
import { canaries, renderRealStack, strings, whereCanary } from "../helpers/render";
import { REPO } from "../helpers/env";

const PLATFORM = "acme-platform/runner-fleet/prod";

const one = (r: RenderResult, type: string, name: string): RenderedResource => r.resources.find((x) => x.type === type && x.name === name)!;
const ofType = (r: RenderResult, type: string) => r.resources.filter((x) => x.type === type);

type Secrets = ReturnType<typeof canaries>;
/** Another team's kubeconfig and the platform's admin one: a team stack must never see either. */
const others = { adminKubeconfig: "apiVersion: v1\n# canary-admin-kubeconfig\n", otherTeamKubeconfig: "apiVersion: v1\n# canary-other-team\n" };

/** The outputs a deployed EKS platform stack exports for its teams, as the mock answers the StackReference with. */
function platformOutputs(secrets: Secrets, teams: Record<string, unknown> = {}): { outputs: Record<string, unknown>; secretOutputNames: string[] } {
  const cluster = clusterSchema.parse({
    type: "eks",
    nodeGroups: [
      { name: "amd64", arch: "amd64", instanceTypes: ["m7i.large"] },
      { name: "amd64-privileged", arch: "amd64", instanceTypes: ["m7i.large"], privileged: true },
      { name: "graviton", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }] },
    ],
  });
  return {
    outputs: {
      cluster: clusterFacts(cluster, arcSchema.parse(undefined)),
      githubAuth: "token",
      kubeconfig: others.adminKubeconfig,
      teams: {
        payments: { namespace: "payments-runners", credentialSecretName: "runner-fleet-github", runnerGroups: { payments: "payments" }, kubeconfigOutput: "teamKubeconfig-payments" },
        ...teams,
      },
      "teamKubeconfig-payments": secrets.kubeconfig,
      "teamKubeconfig-other": others.otherTeamKubeconfig,
      credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:runner-fleet/prod/github-AbC",
    },
    secretOutputNames: ["kubeconfig", "teamKubeconfig-payments", "teamKubeconfig-other"],
  };
}

function teamConfig(extra: Record<string, unknown> = {}): Record<string, string> {
  const cfg: Record<string, unknown> = {
    team: "payments",
    platform: PLATFORM,
    github: { url: "https://github.com/acme-platform", auth: "platform" },
    runnerSets: [{ name: "ci", instances: 2, arch: "arm64", labels: ["payments-ci"], runnerGroup: "payments", containerMode: "kubernetes" }],
    ...extra,
  };
  return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

function renderTeam(config: Record<string, string>, secrets: Secrets, outputs = platformOutputs(secrets), secretKeys: string[] = []): Promise<RenderResult> {
  return renderStack({ project: PROJECT, stack: "team-payments", config, secretKeys, program: () => fleetProgram(), stackOutputs: { [PLATFORM]: outputs } });
}

const failure = (p: Promise<unknown>): Promise<ConfigError> =>
  p.then(
    () => {
      throw new Error("rendered, but a ConfigError was expected");
    },
    (e: unknown) => {
      if (!ConfigError.isConfigError(e)) throw e;
      return e as ConfigError;
    },
  );

describe("a team stack on its platform (StackReference answered by the mock)", () => {
  const secrets = canaries();
  let team: RenderResult;
  beforeAll(async () => {
    team = await renderTeam(teamConfig(), secrets);
  });

  it("runs its sets in the namespace the platform made, naming the platform's Secret; makes neither", () => {
    const releases = ofType(team, "kubernetes:helm.sh/v3:Release");
    expect(releases.map((r) => [r.name, r.inputs.namespace])).toEqual([
      ["payments-ci-1", "payments-runners"],
      ["payments-ci-2", "payments-runners"],
    ]);
    const values = releases[0]!.inputs.values as { githubConfigSecret: unknown; controllerServiceAccount: unknown; template: { spec: { tolerations: unknown; volumes: unknown } } };
    expect(values.githubConfigSecret).toBe("runner-fleet-github");
    expect(values.controllerServiceAccount).toEqual({ namespace: "arc-systems", name: "arc-gha-rs-controller" });
    expect(values.template.spec.tolerations).toEqual([{ key: "runner-fleet/arch", operator: "Equal", value: "arm64", effect: "NoSchedule" }]);
    expect((one(team, "kubernetes:core/v1:PersistentVolumeClaim", "payments-ci-1-cache").inputs.spec as { storageClassName: string }).storageClassName).toBe("gp3");
    for (const t of ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret", "runner-fleet:secrets:GithubCredentials", "github:index/actionsRunnerGroup:ActionsRunnerGroup", "pulumi:providers:github"]) {
      expect(ofType(team, t), t).toEqual([]);
    }
    expect(team.outputs.runnerGroups).toEqual({ payments: "payments" });
  });

  it("reaches the cluster only with its own scoped kubeconfig, kept secret; never the admin one or another team's", () => {
    const provider = one(team, "pulumi:providers:kubernetes", "platform-k8s").inputs;
    expect(pulumi.runtime.isRpcSecret(provider.kubeconfig)).toBe(true);
    expect(unwrapSecrets(provider.kubeconfig)).toBe(secrets.kubeconfig);
    expect(provider.namespace).toBe("payments-runners");
    expect(team.resources.filter((r) => r.type.startsWith("kubernetes:")).every((r) => r.provider === "platform-k8s")).toBe(true);
    const everything = JSON.stringify(strings(unwrapSecrets([team.resources.map((r) => r.inputs), team.outputs])));
    expect(everything).not.toContain("canary-admin-kubeconfig");
    expect(everything).not.toContain("canary-other-team");
  });

  it("creates no cluster, controller or credential of its own", () => {
    const types = new Set(team.resources.map((r) => r.type));
    for (const t of ["runner-fleet:aws:EksCluster", "runner-fleet:kind:KindCluster", "runner-fleet:arc:ArcController", "aws:secretsmanager/secret:Secret"]) expect(types.has(t), t).toBe(false);
  });

  it("uses the platform's Secrets Manager secret for its host pools instead of storing another", async () => {
    const withPool = await renderTeam(
      { ...teamConfig({ hostPools: [{ name: "builders", arch: "arm64", instanceTypes: ["c7g.large"], labels: ["payments-host"] }] }), "aws:region": "eu-west-1" },
      secrets,
    );
    expect(withPool.resources.some((r) => r.type === "aws:secretsmanager/secret:Secret")).toBe(false);
    // The team's control plane reads the platform's secret; its hosts read no secret at all.
    const policy = JSON.parse(one(withPool, "aws:iam/rolePolicy:RolePolicy", "control-plane").inputs.policy as string) as { Statement: { Resource: string }[] };
    expect(policy.Statement[0]!.Resource).toBe("arn:aws:secretsmanager:eu-west-1:123456789012:secret:runner-fleet/prod/github-AbC");
    expect(one(withPool, "aws:iam/rolePolicy:RolePolicy", "builders-host").inputs.policy as string).not.toContain("secretsmanager");
    expect(one(withPool, "aws:autoscaling/group:Group", "builders-asg").inputs.name).toBe("runner-fleet-team-payments-builders");
  });

  it("a team bringing its own credential makes its Secret in the platform's namespace, and its own groups", async () => {
    const own = await renderTeam(
      teamConfig({ github: { url: "https://github.com/acme-platform", auth: "token" }, runnerGroups: [{ name: "payments-own", visibility: "all" }], runnerSets: [{ name: "ci", arch: "arm64", labels: ["payments-ci"] }] }),
      secrets,
      platformOutputs(secrets, { payments: { namespace: "payments-runners", runnerGroups: {}, kubeconfigOutput: "teamKubeconfig-payments" } }),
    ).catch((e: unknown) => e);
    // Without its token in config the stack cannot start; with it, the Secret is its own.
    expect(String(own)).toMatch(/githubToken/);
    const withToken = await renderStack({
      project: PROJECT,
      stack: "team-payments",
      config: { ...teamConfig({ github: { url: "https://github.com/acme-platform", auth: "token" }, runnerSets: [{ name: "ci", arch: "arm64", labels: ["payments-ci"] }] }), [`${PROJECT}:githubToken`]: secrets.token },
      secretKeys: [`${PROJECT}:githubToken`],
      program: () => fleetProgram(),
      stackOutputs: { [PLATFORM]: platformOutputs(secrets, { payments: { namespace: "payments-runners", runnerGroups: {}, kubeconfigOutput: "teamKubeconfig-payments" } }) },
    });
    expect(whereCanary(withToken, secrets.token)).toEqual([{ at: "kubernetes:core/v1:Secret::github-credentials.stringData", secret: true }]);
    expect(one(withToken, "kubernetes:core/v1:Secret", "github-credentials").inputs.metadata).toMatchObject({ namespace: "payments-runners" });
    expect(ofType(withToken, "kubernetes:core/v1:Namespace")).toEqual([]);
  });

  it("keyed refusals: a team the platform does not serve, a credential mismatch, privilege not granted, a runner group not granted, GitHub objects without a credential", async () => {
    const line = async (config: Record<string, string>, outputs = platformOutputs(secrets)) => (await failure(renderTeam(config, secrets, outputs))).lines;
    expect(await line({ ...teamConfig(), [`${PROJECT}:team`]: "ledger" })).toEqual([
      'Pulumi.team-payments.yaml: runner-fleet:team: acme-platform/runner-fleet/prod serves no team "ledger": add it to the platform\'s runner-fleet:teams (it makes the team\'s namespaces and identity)',
    ]);
    expect(await line(teamConfig(), platformOutputs(secrets, { payments: { namespace: "payments-runners", runnerGroups: {}, kubeconfigOutput: "teamKubeconfig-payments" } }))).toEqual([
      "Pulumi.team-payments.yaml: runner-fleet:github.auth: acme-platform/runner-fleet/prod expects team payments to bring its own credential (teams[].credential: own): use auth app or token",
    ]);
    expect(await line(teamConfig({ runnerSets: [{ name: "ci", arch: "amd64", containerMode: "dind" }] }))).toEqual([
      "Pulumi.team-payments.yaml: runner-fleet:runnerSets[0].containerMode: needs privilege (dind or a hostPath cache), which acme-platform/runner-fleet/prod does not grant team payments: set privileged: true on its teams entry",
    ]);
    expect(await line(teamConfig({ runnerSets: [{ name: "ci", arch: "arm64", runnerGroup: "ledger" }, { name: "cd", arch: "arm64" }] }))).toEqual([
      "Pulumi.team-payments.yaml: runner-fleet:runnerSets[0].runnerGroup: must be one of the runner groups acme-platform/runner-fleet/prod made for team payments (payments); on the platform's credential another group, or none, would take other repositories' jobs",
      "Pulumi.team-payments.yaml: runner-fleet:runnerSets[1].runnerGroup: must be one of the runner groups acme-platform/runner-fleet/prod made for team payments (payments); on the platform's credential another group, or none, would take other repositories' jobs",
    ]);
    expect(await line(teamConfig({ runnerGroups: [{ name: "x", visibility: "all" }], runnerSets: [{ name: "ci", arch: "arm64", publishRouting: true }] }))).toEqual([
      "Pulumi.team-payments.yaml: runner-fleet:runnerGroups: a team on the platform's credential cannot create runner groups: list them under the platform's runner-fleet:teams[].runnerGroups",
      "Pulumi.team-payments.yaml: runner-fleet:runnerSets[0].publishRouting: needs a GitHub credential, which a team on the platform's credential does not hold: read the stack output runnerSets.<name>.routingHint instead",
    ]);
  });

  it("stops with a keyed error when the platform cannot run what the team asks for", async () => {
    const base = platformOutputs(secrets);
    const cluster = base.outputs.cluster as object;
    const err = await failure(renderTeam(teamConfig({ runnerSets: [{ name: "ci", arch: "arm64" }] }), secrets, { ...base, outputs: { ...base.outputs, cluster: { ...cluster, archs: ["amd64"] } } }));
    expect(err.lines[0]).toMatch(/^Pulumi\.team-payments\.yaml: runner-fleet:runnerSets\[0\]\.arch: no arm64 node groups in platform acme-platform\/runner-fleet\/prod/);
  });

  it("says so when the platform stack has not been deployed", async () => {
    const err = await failure(renderTeam(teamConfig(), secrets, { outputs: {}, secretOutputNames: [] }));
    expect(err.lines[0]).toBe("Pulumi.team-payments.yaml: runner-fleet:platform: acme-platform/runner-fleet/prod exports no GitHub credential");
  });
});

describe("team canary: the real prod platform, then its team against the platform's outputs", () => {
  const secrets = canaries();
  let platform: RenderResult;
  let team: RenderResult;
  beforeAll(async () => {
    platform = await renderRealStack("prod", secrets);
    const dir = mkdtempSync(join(tmpdir(), "team-"));
    copyFileSync(join(REPO, "stacks/Pulumi.team-example.yaml"), join(dir, "Pulumi.team-payments.yaml"));
    const file = parse(readFileSync(join(dir, "Pulumi.team-payments.yaml"), "utf8")) as { config: Record<string, unknown> };
    const config = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    team = await renderStack({ project: PROJECT, stack: "team-payments", config, secretKeys: [], program: () => fleetProgram(), stackOutputs: { [PLATFORM]: asStackReference(platform.outputs) } });
  });

  it("the platform exports no credential: only each team's scoped kubeconfig, each a secret output of its own", () => {
    const ref = asStackReference(platform.outputs);
    expect(Object.keys(ref.outputs)).not.toContain("githubCredential");
    expect(JSON.stringify(ref.outputs)).not.toContain(`canary`); // the App key is in no output
    expect(ref.secretOutputNames).toEqual(expect.arrayContaining(["kubeconfig", "teamKubeconfig-payments", "teamKubeconfig-payments-eu"]));
    expect(ref.outputs.teams).toMatchObject({
      payments: { namespace: "payments-runners", credentialSecretName: "runner-fleet-github", kubeconfigOutput: "teamKubeconfig-payments" },
      "payments-eu": { namespace: "payments-eu-runners", kubeconfigOutput: "teamKubeconfig-payments-eu" },
    });
    expect((ref.outputs.teams as Record<string, object>)["payments-eu"]).not.toHaveProperty("credentialSecretName");
  });

  it("the platform puts its credential only in its own namespaces and the namespaces of teams on it", () => {
    const at = whereCanary(platform, secrets.privateKey).filter((w) => w.at.startsWith("kubernetes:core/v1:Secret"));
    expect(at.every((w) => w.secret)).toBe(true);
    const namespaces = ofType(platform, "kubernetes:core/v1:Secret")
      .filter((s) => strings(unwrapSecrets(s.inputs.stringData)).some((v) => v.includes(secrets.privateKey)))
      .map((s) => (s.inputs.metadata as { namespace: string }).namespace)
      .sort();
    expect(namespaces).toEqual(["arc-runners", "arc-runners-privileged", "payments-runners"]);
  });

  it("the canary credential appears in none of the team's resources or outputs, not even as a secret", () => {
    for (const c of [secrets.privateKey, secrets.token, "canary"]) {
      expect(whereCanary(team, c)).toEqual([]);
      expect(JSON.stringify(unwrapSecrets(team.outputs))).not.toContain(c);
    }
    expect(JSON.stringify(renderDocument(team))).not.toMatch(/canary/);
  });

  it("each team's Role and binding live in that team's namespaces only; nothing cluster-wide is granted to a team", () => {
    const roles = ofType(platform, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.name.endsWith("-team"));
    expect(roles.map((r) => (r.inputs.metadata as { namespace: string }).namespace).sort()).toEqual(["payments-eu-runners", "payments-runners"]);
    const bindings = ofType(platform, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((r) => r.name.endsWith("-team"));
    for (const b of bindings) {
      const { metadata, subjects, roleRef } = b.inputs as { metadata: { namespace: string }; subjects: { kind: string; namespace: string }[]; roleRef: { kind: string } };
      expect(roleRef.kind).toBe("Role");
      expect(subjects).toEqual([expect.objectContaining({ kind: "ServiceAccount", namespace: metadata.namespace })]);
    }
    const clusterWide = platform.resources.filter((r) => /ClusterRole/.test(r.type) && JSON.stringify(r.inputs).includes("runner-fleet-team"));
    expect(clusterWide).toEqual([]);
    // The team's own runner namespace sits at baseline; a team without privilege has no privileged one.
    const ns = ofType(platform, "kubernetes:core/v1:Namespace").filter((n) => n.name.startsWith("payments"));
    expect(ns.map((n) => [(n.inputs.metadata as { name: string }).name, (n.inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"]])).toEqual([
      ["payments-runners", "baseline"],
      ["payments-eu-runners", "baseline"],
    ]);
    // ...and carries its team, which the admission policy for teams' scale sets binds by (test/unit/team-admission.test.ts).
    expect(ns.map((n) => (n.inputs.metadata as { labels: Record<string, string> }).labels["runner-fleet/team"])).toEqual(["payments", "payments-eu"]);
    const vap = ofType(platform, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
    const vapb = ofType(platform, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding");
    expect(vap.map((p) => (p.inputs.metadata as { name: string }).name)).toEqual(["runner-fleet-team-scale-sets"]);
    expect((vapb[0]!.inputs.spec as { policyName: string; validationActions: string[] })).toMatchObject({ policyName: "runner-fleet-team-scale-sets", validationActions: ["Deny"] });
  });

  it("the platform makes the team's runner group (the team has no credential to make it)", () => {
    const group = one(platform, "github:index/actionsRunnerGroup:ActionsRunnerGroup", "group-payments").inputs;
    expect(group).toMatchObject({ name: "payments", visibility: "selected", allowsPublicRepositories: false });
    expect((platform.outputs.teams as Record<string, { runnerGroups: object }>).payments!.runnerGroups).toHaveProperty("payments");
  });
});

describe("the documented team stack examples", () => {
  it("the team example renders against the prod platform stack of this project", async () => {
    const dir = mkdtempSync(join(tmpdir(), "team-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"]) copyFileSync(join(REPO, f), join(dir, f));
    copyFileSync(join(REPO, "stacks/Pulumi.team-example.yaml"), join(dir, "Pulumi.team-payments.yaml"));
    const r = await renderStackFile(dir, "team-payments");
    expect(ofType(r, "kubernetes:helm.sh/v3:Release").map((x) => x.name)).toEqual(["payments-ci-1", "payments-ci-2"]);
    expect(pulumi.runtime.isRpcSecret(one(r, "pulumi:providers:kubernetes", "platform-k8s").inputs.kubeconfig)).toBe(true);
    expect((r.outputs.runnerSets as Record<string, { routingHint: string }>).ci!.routingHint).toContain("payments-ci");
  });

  it("the ESC example names its environment and reads the same keys", () => {
    const doc = parse(readFileSync(join(REPO, "stacks/Pulumi.team-esc-example.yaml"), "utf8")) as { environment: string[]; config: Record<string, unknown> };
    expect(doc.environment).toEqual(["runner-fleet/payments-github"]);
    const env = parse(readFileSync(join(REPO, "stacks/esc/payments-github.yaml"), "utf8")) as { values: { pulumiConfig: Record<string, string> } };
    expect(Object.keys(env.values.pulumiConfig)).toEqual(["runner-fleet:githubAppPrivateKey"]);
    expect((doc.config["runner-fleet:github"] as { auth: string }).auth).toBe("app");
  });
});
