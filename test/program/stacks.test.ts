import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../config/errors";
import { ARC_CHART_VERSION } from "../../config/versions";
import { renderDocument } from "../../tools/render-format";
import { SecretValue, unwrapSecrets, type RenderResult, type RenderedResource } from "../../tools/render-lib";
import { baseConfig, TOKEN } from "../helpers/config";
import { REPO } from "../helpers/env";
import { canaries, renderConfig, renderRealStack, whereCanary } from "../helpers/render";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const byType = (r: RenderResult, type: string): RenderedResource[] => r.resources.filter((x) => x.type === type);
const one = (r: RenderResult, type: string, name: string): RenderedResource => {
  const found = r.resources.find((x) => x.type === type && x.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
};
type Values = {
  runnerScaleSetName: string;
  maxRunners: number;
  minRunners: number;
  githubConfigSecret: string;
  template: { spec: { volumes: { hostPath?: { path: string }; persistentVolumeClaim?: { claimName: string } }[]; nodeSelector: Record<string, string> } };
};
const values = (x: RenderedResource): Values => x.inputs.values as Values;

describe("the dev stack (Pulumi.dev.yaml)", () => {
  const secrets = canaries();
  let dev: RenderResult;
  beforeAll(async () => {
    dev = await renderRealStack("dev", secrets);
  });

  it("builds kind, the controller, the runner namespace, the credential and the seed's three scale sets", () => {
    expect(dev.resources.map((x) => `${x.type} ${x.name} <- ${x.parent}`)).toEqual([
      "runner-fleet:index:RunnerFleet fleet <- null",
      "runner-fleet:kind:KindCluster runner-fleet-dev <- fleet",
      "command:local:Command runner-fleet-dev-kind <- runner-fleet-dev",
      "pulumi:providers:kubernetes runner-fleet-dev-k8s <- runner-fleet-dev",
      "runner-fleet:arc:ArcController arc <- fleet",
      "kubernetes:core/v1:Namespace arc-namespace <- arc",
      `${RELEASE} arc-controller <- arc`,
      "runner-fleet:arc:RunnerNamespace arc-runners <- fleet",
      "kubernetes:core/v1:Namespace arc-runners <- arc-runners",
      // hostPath caches on kind need privilege: the seed's sets live in a namespace of their own.
      "runner-fleet:arc:RunnerNamespace arc-runners-privileged <- fleet",
      "kubernetes:core/v1:Namespace arc-runners-privileged <- arc-runners-privileged",
      "runner-fleet:secrets:GithubCredentials github-credentials-privileged <- fleet",
      "kubernetes:core/v1:Secret github-credentials-privileged <- github-credentials-privileged",
      "runner-fleet:arc:RunnerScaleSet rubionic <- fleet",
      `${RELEASE} rubionic-1 <- rubionic`,
      `${RELEASE} rubionic-2 <- rubionic`,
      `${RELEASE} rubionic-3 <- rubionic`,
    ]);
  });

  it("sends every Kubernetes resource through the kind cluster's provider", () => {
    for (const x of dev.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      expect(x.provider, `${x.type} ${x.name}`).toBe("runner-fleet-dev-k8s");
    }
  });

  it("pins both ARC charts to 0.14.2 from the official OCI registry", () => {
    const releases = byType(dev, RELEASE);
    expect(releases).toHaveLength(4);
    for (const r of releases) {
      expect(r.inputs.version).toBe(ARC_CHART_VERSION);
      expect(r.inputs.chart).toMatch(/^oci:\/\/ghcr\.io\/actions\/actions-runner-controller-charts\/gha-runner-scale-set(-controller)?$/);
    }
    expect(one(dev, RELEASE, "arc-controller").inputs.namespace).toBe("arc-systems");
  });

  it("gives three instances three scale sets, one runner each, each with its own cache directory", () => {
    const sets = ["rubionic-1", "rubionic-2", "rubionic-3"].map((n) => values(one(dev, RELEASE, n)));
    expect(sets.map((v) => v.runnerScaleSetName)).toEqual(["rubionic-1", "rubionic-2", "rubionic-3"]);
    expect(sets.map((v) => v.maxRunners)).toEqual([1, 1, 1]);
    const paths = sets.map((v) => v.template.spec.volumes[0]!.hostPath!.path);
    expect(paths).toEqual(["/tmp/github-runner-cache/rubionic-1", "/tmp/github-runner-cache/rubionic-2", "/tmp/github-runner-cache/rubionic-3"]);
    expect(sets.every((v) => v.githubConfigSecret === "runner-fleet-github")).toBe(true);
  });

  it("keeps the token secret: only in the Secret's data, and only as a secret", () => {
    expect(whereCanary(dev, secrets.token)).toEqual([{ at: "kubernetes:core/v1:Secret::github-credentials-privileged.stringData", secret: true }]);
    const doc = JSON.stringify(renderDocument(dev));
    expect(doc).not.toContain(secrets.token);
    expect(doc).toContain('"stringData": "[secret]"'.replace(": ", ":"));
  });

  it("keeps the kubeconfig a secret in the provider and the outputs", () => {
    expect(pulumi.runtime.isRpcSecret(one(dev, "pulumi:providers:kubernetes", "runner-fleet-dev-k8s").inputs.kubeconfig)).toBe(true);
    expect(dev.outputs.kubeconfig).toBeInstanceOf(SecretValue);
  });

  it("exports what an operator needs to write runs-on", () => {
    expect(dev.outputs).toMatchObject({
      stack: "dev",
      clusterName: "runner-fleet-dev",
      controllerNamespace: "arc-systems",
      runnerNamespace: "arc-runners",
      runnerSets: {
        rubionic: {
          instances: 3,
          labels: [],
          scaleSets: ["rubionic-1", "rubionic-2", "rubionic-3"],
          runsOn: "rubionic-${{ needs.route.outputs.instance }}",
          routingHint: "rubionic-${{ needs.route.outputs.instance }}",
          routeJob: expect.stringContaining('INSTANCES: "3"'),
        },
      },
    });
  });

  it("renders the same desired state twice (deterministic, no leaked state between renders)", async () => {
    const again = await renderRealStack("dev", secrets);
    expect(renderDocument(again)).toEqual(renderDocument(dev));
  });
});

describe("the prod stack (Pulumi.prod.yaml)", () => {
  const secrets = canaries();
  let prod: RenderResult;
  beforeAll(async () => {
    prod = await renderRealStack("prod", secrets);
  });

  it("runs an amd64 and a Graviton node group with matching AMI types and instance families", () => {
    const groups = byType(prod, "aws:eks/nodeGroup:NodeGroup").map((g) => g.inputs as { nodeGroupName: string; amiType: string; instanceTypes: string[] });
    expect(groups.map((g) => [g.nodeGroupName, g.amiType])).toEqual([
      ["runner-fleet-prod-amd64", "AL2023_x86_64_STANDARD"],
      ["runner-fleet-prod-graviton", "AL2023_ARM_64_STANDARD"],
      ["runner-fleet-prod-amd64-privileged", "AL2023_x86_64_STANDARD"],
    ]);
    expect(groups[0]!.instanceTypes.every((t) => !/^[a-z]+\d+g/.test(t))).toBe(true);
    expect(groups[1]!.instanceTypes.every((t) => /^[a-z]+\d+g/.test(t))).toBe(true);
    for (const lt of byType(prod, "aws:ec2/launchTemplate:LaunchTemplate")) {
      expect(lt.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(lt.inputs.blockDeviceMappings).toEqual([expect.objectContaining({ ebs: expect.objectContaining({ encrypted: "true", volumeType: "gp3" }) })]);
      expect(lt.inputs.keyName).toBeUndefined();
    }
  });

  it("envelope-encrypts Secrets with a rotating KMS key and logs the control plane", () => {
    const cluster = one(prod, "aws:eks/cluster:Cluster", "runner-fleet-prod").inputs;
    expect(cluster.encryptionConfig).toEqual({ provider: { keyArn: expect.stringMatching(/^arn:aws:kms:/) }, resources: ["secrets"] });
    expect(one(prod, "aws:kms/key:Key", "runner-fleet-prod-secrets").inputs.enableKeyRotation).toBe(true);
    expect(cluster.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator"]);
    expect(cluster.accessConfig).toMatchObject({ authenticationMode: "API" });
    expect(byType(prod, "aws:eks/accessEntry:AccessEntry").map((e) => e.inputs.principalArn)).toEqual(["arn:aws:iam::111122223333:role/platform-admins"]);
  });

  it("installs the EBS CSI driver with a role only its service account can assume, and an encrypted gp3 class", () => {
    const addon = one(prod, "aws:eks/addon:Addon", "runner-fleet-prod-ebs-csi-addon").inputs;
    expect(addon.addonName).toBe("aws-ebs-csi-driver");
    const trust = JSON.parse(one(prod, "aws:iam/role:Role", "runner-fleet-prod-ebs-csi-role").inputs.assumeRolePolicy as string) as {
      Statement: { Action: string; Condition: { StringEquals: Record<string, string> } }[];
    };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]!.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(Object.values(trust.Statement[0]!.Condition.StringEquals).sort()).toEqual(["sts.amazonaws.com", "system:serviceaccount:kube-system:ebs-csi-controller-sa"]);
    const sc = one(prod, "kubernetes:storage.k8s.io/v1:StorageClass", "runner-fleet-prod-ebs-csi-gp3").inputs;
    expect(sc).toMatchObject({ provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer", parameters: { type: "gp3", encrypted: "true" } });
  });

  it("gives each scale-set instance its own persistent cache claim of the configured class and size", () => {
    const claims = byType(prod, "kubernetes:core/v1:PersistentVolumeClaim");
    // org-builders (dind, organisation-wide) keeps no cache: its jobs run in the runner container (docs/security.md).
    expect(claims.map((c) => c.name)).toEqual(["rubionic-1-cache", "rubionic-2-cache", "rubionic-3-cache"]);
    const spec = (c: RenderedResource) => c.inputs.spec as { storageClassName: string; accessModes: string[]; resources: { requests: { storage: string } } };
    expect(claims.map((c) => [spec(c).storageClassName, spec(c).accessModes[0], spec(c).resources.requests.storage])).toEqual([
      ["gp3", "ReadWriteOnce", "50Gi"],
      ["gp3", "ReadWriteOnce", "50Gi"],
      ["gp3", "ReadWriteOnce", "50Gi"],
    ]);
    expect(values(one(prod, RELEASE, "rubionic-2")).template.spec.volumes[0]!.persistentVolumeClaim!.claimName).toBe("rubionic-2-cache");
  });

  it("puts arm64 sets on Graviton (selector and toleration) and amd64 sets on amd64", () => {
    const rub = values(one(prod, RELEASE, "rubionic-1")).template.spec as Values["template"]["spec"] & { tolerations?: unknown };
    expect(rub.nodeSelector["kubernetes.io/arch"]).toBe("arm64");
    expect(rub.tolerations).toEqual([{ key: "runner-fleet/arch", operator: "Equal", value: "arm64", effect: "NoSchedule" }]);
    const org = values(one(prod, RELEASE, "org-builders-1")).template.spec as Values["template"]["spec"] & { tolerations?: unknown };
    expect(org.nodeSelector["kubernetes.io/arch"]).toBe("amd64");
    // dind: only on the privileged amd64 group, which it alone tolerates.
    expect(org.nodeSelector["runner-fleet/privileged"]).toBe("true");
    expect(org.tolerations).toEqual([{ key: "runner-fleet/privileged", operator: "Equal", value: "true", effect: "NoSchedule" }]);
  });

  it("exports the cluster facts an operator needs, the kubeconfig only as a secret", () => {
    expect(prod.outputs.kubeconfig).toBeInstanceOf(SecretValue);
    expect(prod.outputs.clusterName).toBe("runner-fleet-prod");
    expect(prod.outputs.eks).toMatchObject({
      endpoint: expect.stringMatching(/^https:\/\//),
      oidcProviderArn: expect.stringMatching(/^arn:aws:iam::\d{12}:oidc-provider\//),
      nodeGroups: ["runner-fleet-prod-amd64", "runner-fleet-prod-amd64-privileged", "runner-fleet-prod-graviton"],
      storageClass: "gp3",
    });
  });

  it("keeps the App private key secret: only in Secrets Manager, the Kubernetes Secrets and the GitHub provider, only as secrets", () => {
    // The key's own line: the PEM's newlines are escaped where the credential is stored as JSON.
    expect(whereCanary(prod, secrets.privateKey.split("\n")[1]!)).toEqual([
      { at: "pulumi:providers:github::github.appAuth", secret: true },
      { at: "aws:secretsmanager/secretVersion:SecretVersion::github-credential.secretString", secret: true },
      { at: "kubernetes:core/v1:Secret::github-credentials.stringData", secret: true },
      { at: "kubernetes:core/v1:Secret::github-credentials-privileged.stringData", secret: true },
      // The team on the platform's credential (teams[].credential: platform); payments-eu brings its own.
      { at: "kubernetes:core/v1:Secret::payments-runners-github.stringData", secret: true },
    ]);
    expect(JSON.stringify(renderDocument(prod))).not.toContain("canary");
  });

  it("boots host pools with IMDSv2 (hop limit 1), encrypted disks, no key pair and user-data without the credential", () => {
    for (const name of ["kvm-x64-lt", "graviton-builders-lt"]) {
      const lt = one(prod, "aws:ec2/launchTemplate:LaunchTemplate", name).inputs;
      expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
      expect(lt.blockDeviceMappings).toEqual([expect.objectContaining({ ebs: expect.objectContaining({ encrypted: "true", volumeType: "gp3" }) })]);
      expect(lt.keyName).toBeUndefined();
      const ud = Buffer.from(unwrapSecrets(lt.userData) as string, "base64").toString();
      expect(ud).toMatch(/^#cloud-config\n/);
      expect(ud).not.toContain("canary");
    }
    expect(one(prod, "aws:ec2/launchTemplate:LaunchTemplate", "graviton-builders-lt").inputs.imageId).toBe(
      // The default OS is the one CI boots: Debian 13, from Debian's public SSM parameters.
      "resolve:ssm:/aws/service/debian/release/13/latest/arm64",
    );
  });

  it("mixes instance types: spot with an on-demand base for Graviton, on-demand for metal", () => {
    const asg = (n: string) => one(prod, "aws:autoscaling/group:Group", n).inputs as { name: string; capacityRebalance: boolean; minSize: number; maxSize: number; mixedInstancesPolicy: { instancesDistribution: Record<string, unknown>; launchTemplate: { overrides: { instanceType: string }[] } } };
    const g = asg("graviton-builders-asg");
    expect(g.name).toBe("runner-fleet-prod-graviton-builders");
    expect(g.capacityRebalance).toBe(true);
    expect(g.mixedInstancesPolicy.instancesDistribution).toMatchObject({ onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: "price-capacity-optimized" });
    expect(g.mixedInstancesPolicy.launchTemplate.overrides.map((o) => o.instanceType)).toEqual(["c7g.2xlarge", "c6g.2xlarge", "m7g.2xlarge"]);
    const k = asg("kvm-x64-asg");
    expect(k.capacityRebalance).toBe(false);
    expect(k.mixedInstancesPolicy.instancesDistribution).toMatchObject({ onDemandPercentageAboveBaseCapacity: 100 });
    expect(byType(prod, "aws:autoscaling/schedule:Schedule").map((x) => [x.inputs.scheduledActionName, x.inputs.recurrence, x.inputs.desiredCapacity])).toEqual([
      ["nightly-off", "0 20 * * 1-5", 0],
      ["morning-on", "0 7 * * 1-5", 2],
    ]);
    // What a schedule leaves unset goes out as -1: the provider sends an absent size as 0, which
    // would make morning-on min 0 / max 0 / desired 2 (refused by AWS) and nightly-off max 0.
    const sizes = (n: string) => {
      const i = one(prod, "aws:autoscaling/schedule:Schedule", n).inputs;
      return [i.minSize, i.maxSize, i.desiredCapacity];
    };
    expect(sizes("graviton-builders-nightly-off")).toEqual([0, -1, 0]);
    expect(sizes("graviton-builders-morning-on")).toEqual([-1, -1, 2]);
    // Grounded in the installed provider's own documentation of the three inputs.
    const doc = readFileSync(join(REPO, "node_modules/@pulumi/aws/autoscaling/schedule.d.ts"), "utf8");
    for (const what of ["desired capacity", "maximum size", "minimum size"]) expect(doc).toContain(`Set to \`-1\` if you don't want to change the ${what} at the scheduled time. Defaults to \`0\`.`);
  });

  it("lets hosts read the mirror and their agent and ask the broker (which they leave through), and lets nothing in", () => {
    const policy = JSON.parse(one(prod, "aws:iam/rolePolicy:RolePolicy", "graviton-builders-host").inputs.policy as string) as { Statement: { Action: string; Resource: string | string[] }[] };
    expect(policy.Statement.map((x) => x.Resource)).toEqual([
      ["arn:aws:s3:::host-pools/runner/*", expect.stringMatching(/^arn:aws:s3:::host-pools\/agent\/[0-9a-f]{64}\/agent\.js$/)],
      "arn:aws:lambda:eu-west-1:123456789012:function:control-plane-broker",
      "arn:aws:lambda:eu-west-1:123456789012:function:control-plane-broker",
    ]);
    // No terminate of any kind (issue 22): a host leaves through the broker.
    expect(JSON.stringify(policy)).not.toMatch(/Terminate/);
    for (const sg of byType(prod, "aws:ec2/securityGroup:SecurityGroup")) expect(sg.inputs.ingress ?? []).toEqual([]);
    expect(byType(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").some((a) => a.name.endsWith("-ssm"))).toBe(false);
  });

  it("exports each pool's scale set as its runs-on value, the control plane's names and the credential's ARN, never the credential", () => {
    expect(prod.outputs.hostPools).toMatchObject({
      // Exactly what is registered: the name, the pool's labels, then self-hosted, linux and the arch label.
      "graviton-builders": { arch: "arm64", scaleSetName: "graviton-builders", runsOn: "graviton-builders", labels: ["graviton-builders", "kernel", "self-hosted", "linux", "ARM64"], runnersPerHost: 4 },
      "kvm-x64": { arch: "amd64", scaleSetName: "kvm-x64", runsOn: "kvm-x64", labels: ["kvm-x64", "kvm", "self-hosted", "linux", "X64"] },
    });
    expect(prod.outputs.controlPlane).toMatchObject({
      brokerFunctionName: expect.any(String),
      listenerFunctionName: expect.any(String),
      brokerUrl: expect.stringMatching(/^https:\/\/[0-9a-f]{32}\.lambda-url\.eu-west-1\.on\.aws\/$/),
      logGroupName: "/runner-fleet/runner-fleet-prod/control-plane",
      bucket: "host-pools",
    });
    expect((prod.outputs.controlPlane as { alarmNames: string[] }).alarmNames).toHaveLength(3);
    expect(prod.outputs.credentialSecretArn).toMatch(/^arn:aws:secretsmanager:/);
  });
});

describe("a bad config", () => {
  it("stops the program with the keyed error before any resource is registered", async () => {
    const registered: string[] = [];
    const c = baseConfig();
    (c.runnerSets as Record<string, unknown>[])[0]!.maxRunners = -1;
    const err = await renderConfig("broken", c, TOKEN, (k) => registered.push(k)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.isConfigError(err)).toBe(true);
    expect((err as ConfigError).lines[0]).toMatch(/^Pulumi\.broken\.yaml: runner-fleet:runnerSets\[0\]\.maxRunners: /);
    expect(registered.filter((k) => !k.startsWith("pulumi:pulumi:Stack"))).toEqual([]);
  });

  it("is a Pulumi RunError, so `pulumi up` prints the message without a stack trace", async () => {
    const err = await renderConfig("broken", { github: { url: "x", auth: "token" } }, TOKEN).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(err)).toBe(true);
  });
});
