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
import { renderStack, unwrapSecrets, type RenderResult, type RenderedResource } from "../../tools/render-lib";
import { renderStackFile } from "../../tools/render-stack-file";
import { PROJECT } from "../../tools/stack-file";
import { canaries, whereCanary } from "../helpers/render";
import { REPO } from "../helpers/env";

const PLATFORM = "acme-platform/runner-fleet/prod";

const one = (r: RenderResult, type: string, name: string): RenderedResource => r.resources.find((x) => x.type === type && x.name === name)!;

/** The outputs a deployed EKS platform stack exports, as the mock answers the StackReference with. */
function platformOutputs(secrets: ReturnType<typeof canaries>): { outputs: Record<string, unknown> & { cluster?: object }; secretOutputNames: string[] } {
  const cluster = clusterSchema.parse({
    type: "eks",
    nodeGroups: [
      { name: "amd64", arch: "amd64", instanceTypes: ["m7i.large"] },
      { name: "graviton", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }] },
    ],
  });
  return {
    outputs: {
      cluster: clusterFacts(cluster, arcSchema.parse(undefined)),
      githubAuth: "token",
      githubCredential: { kind: "token", token: secrets.token },
      kubeconfig: secrets.kubeconfig,
      credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:runner-fleet/prod/github-AbC",
    },
    secretOutputNames: ["githubCredential", "kubeconfig"],
  };
}

function teamConfig(extra: Record<string, unknown> = {}): Record<string, string> {
  const cfg: Record<string, unknown> = {
    team: "payments",
    platform: PLATFORM,
    github: { url: "https://github.com/acme-platform", auth: "platform" },
    runnerSets: [{ name: "ci", instances: 2, arch: "arm64", labels: ["payments-ci"] }],
    ...extra,
  };
  return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

function renderTeam(config: Record<string, string>, secrets: ReturnType<typeof canaries>, outputs = platformOutputs(secrets)): Promise<RenderResult> {
  return renderStack({ project: PROJECT, stack: "team-payments", config, secretKeys: [], program: () => fleetProgram(), stackOutputs: { [PLATFORM]: outputs } });
}

describe("a team stack on its platform (StackReference answered by the mock)", () => {
  const secrets = canaries();
  let team: RenderResult;
  beforeAll(async () => {
    team = await renderTeam(teamConfig(), secrets);
  });

  it("creates its runner sets in its own namespace, named after the team", () => {
    expect(one(team, "kubernetes:core/v1:Namespace", "payments-runners").inputs.metadata).toMatchObject({ name: "payments-runners" });
    const releases = team.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    expect(releases.map((r) => [r.name, r.inputs.namespace])).toEqual([
      ["payments-ci-1", "payments-runners"],
      ["payments-ci-2", "payments-runners"],
    ]);
    const values = releases[0]!.inputs.values as { controllerServiceAccount: unknown; template: { spec: { tolerations: unknown; volumes: unknown } } };
    expect(values.controllerServiceAccount).toEqual({ namespace: "arc-systems", name: "arc-gha-rs-controller" });
    expect(values.template.spec.tolerations).toEqual([{ key: "runner-fleet/arch", operator: "Equal", value: "arm64", effect: "NoSchedule" }]);
    expect(values.template.spec.volumes).toEqual([{ name: "cache", persistentVolumeClaim: { claimName: "payments-ci-1-cache" } }]);
    expect((one(team, "kubernetes:core/v1:PersistentVolumeClaim", "payments-ci-1-cache").inputs.spec as { storageClassName: string }).storageClassName).toBe("gp3");
  });

  it("builds its own Kubernetes Secret from the referenced credential, secret everywhere it appears", () => {
    expect(whereCanary(team, secrets.token)).toEqual([{ at: "kubernetes:core/v1:Secret::github-credentials.stringData", secret: true }]);
    expect(one(team, "kubernetes:core/v1:Secret", "github-credentials").inputs.metadata).toMatchObject({ namespace: "payments-runners" });
    expect(JSON.stringify(renderDocument(team))).not.toMatch(/canary/);
  });

  it("reaches the platform's cluster with the referenced kubeconfig, kept secret", () => {
    const provider = one(team, "pulumi:providers:kubernetes", "platform-k8s").inputs.kubeconfig;
    expect(pulumi.runtime.isRpcSecret(provider)).toBe(true);
    expect(unwrapSecrets(provider)).toBe(secrets.kubeconfig);
    expect(team.resources.filter((r) => r.type.startsWith("kubernetes:")).every((r) => r.provider === "platform-k8s")).toBe(true);
  });

  it("creates no cluster, controller or credential copy of its own", () => {
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

  it("stops with a keyed error when the platform cannot run what the team asks for", async () => {
    const err = await renderTeam(teamConfig({ runnerSets: [{ name: "ci", arch: "arm64" }] }), secrets, {
      ...platformOutputs(secrets),
      outputs: { ...platformOutputs(secrets).outputs, cluster: { ...platformOutputs(secrets).outputs.cluster, archs: ["amd64"] } },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.isConfigError(err)).toBe(true);
    expect((err as ConfigError).lines[0]).toMatch(/^Pulumi\.team-payments\.yaml: runner-fleet:runnerSets\[0\]\.arch: no arm64 node groups in platform acme-platform\/runner-fleet\/prod/);
  });

  it("says so when the platform stack has not been deployed", async () => {
    const err = await renderTeam(teamConfig(), secrets, { outputs: {}, secretOutputNames: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ConfigError).lines[0]).toBe("Pulumi.team-payments.yaml: runner-fleet:platform: acme-platform/runner-fleet/prod exports no cluster: deploy it first, or check the name");
  });
});

describe("the documented team stack example", () => {
  it("renders against the prod platform stack of this project", async () => {
    const dir = mkdtempSync(join(tmpdir(), "team-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"]) copyFileSync(join(REPO, f), join(dir, f));
    copyFileSync(join(REPO, "stacks/Pulumi.team-example.yaml"), join(dir, "Pulumi.team-payments.yaml"));
    const r = await renderStackFile(dir, "team-payments");
    const group = one(r, "github:index/actionsRunnerGroup:ActionsRunnerGroup", "group-payments").inputs;
    expect(group).toMatchObject({ name: "payments", visibility: "selected", allowsPublicRepositories: false });
    expect((group.selectedRepositoryIds as number[]).length).toBe(2);
    expect(r.resources.filter((x) => x.type === "github:index/actionsOrganizationVariable:ActionsOrganizationVariable").map((x) => [x.inputs.variableName, x.inputs.value])).toEqual([
      ["RUNNER_FLEET_PAYMENTS_CI_INSTANCES", "2"],
      ["RUNNER_FLEET_PAYMENTS_CI_PREFIX", "payments-ci"],
    ]);
    // The GitHub provider authenticates with the platform's App credential, as a secret.
    expect(pulumi.runtime.isRpcSecret(one(r, "pulumi:providers:github", "github").inputs.appAuth)).toBe(true);
    expect((r.outputs.runnerSets as Record<string, { routingExpression: string }>).ci!.routingExpression).toContain("vars.RUNNER_FLEET_PAYMENTS_CI_INSTANCES");
  });

  it("the ESC example names its environment and reads the same keys", () => {
    const doc = parse(readFileSync(join(REPO, "stacks/Pulumi.team-esc-example.yaml"), "utf8")) as { environment: string[]; config: Record<string, unknown> };
    expect(doc.environment).toEqual(["runner-fleet/payments-github"]);
    const env = parse(readFileSync(join(REPO, "stacks/esc/payments-github.yaml"), "utf8")) as { values: { pulumiConfig: Record<string, string> } };
    expect(Object.keys(env.values.pulumiConfig)).toEqual(["runner-fleet:githubAppPrivateKey"]);
    expect((doc.config["runner-fleet:github"] as { auth: string }).auth).toBe("app");
  });
});
