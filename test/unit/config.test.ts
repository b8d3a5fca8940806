import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../config/load";
import { fleetModel } from "../../config/model";
import { configErrorLines, baseConfig, FAKE_PEM, sourceFrom, TOKEN, type SourceOptions } from "../helpers/config";

type Cfg = Record<string, unknown>;
type Obj = Record<string, unknown>;

const errorLines = configErrorLines;

const set0 = (c: Cfg): Obj => (c.runnerSets as Obj[])[0]!;
const eks = (extra: Obj = {}): Obj => ({
  type: "eks",
  nodeGroups: [
    { name: "amd64", arch: "amd64", instanceTypes: ["m7i.large"] },
    { name: "graviton", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "runner-fleet/arch", value: "arm64", effect: "NoSchedule" }] },
  ],
  ...extra,
});
const REGION: SourceOptions = { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } };
const onEks = (c: Cfg, extra: Obj = {}): void => {
  c.cluster = eks(extra);
};
const pool = (extra: Obj = {}): Obj => ({ name: "hosts", arch: "arm64", instanceTypes: ["c7g.2xlarge"], ...extra });

interface BadCase {
  name: string;
  mutate: (c: Cfg) => void;
  key: string;
  message: RegExp;
  opts?: SourceOptions;
}

const BAD: BadCase[] = [
  { name: "maxRunners below minRunners", mutate: (c) => Object.assign(set0(c), { minRunners: 2, maxRunners: 1 }), key: "runnerSets[0].maxRunners", message: /must be ≥ minRunners/ },
  { name: "negative minRunners", mutate: (c) => (set0(c).minRunners = -1), key: "runnerSets[0].minRunners", message: /≥ 0/ },
  { name: "fractional maxRunners", mutate: (c) => (set0(c).maxRunners = 1.5), key: "runnerSets[0].maxRunners", message: /int/i },
  { name: "name not DNS-1123", mutate: (c) => (set0(c).name = "Widgets_X"), key: "runnerSets[0].name", message: /DNS-1123/ },
  { name: "name over 63 characters", mutate: (c) => (set0(c).name = "a".repeat(64)), key: "runnerSets[0].name", message: /at most 63/ },
  { name: "unknown arch", mutate: (c) => (set0(c).arch = "x86_64"), key: "runnerSets[0].arch", message: /"amd64" or "arm64"/ },
  { name: "empty label", mutate: (c) => (set0(c).labels = ["linux", ""]), key: "runnerSets[0].labels[1]", message: /must not be empty/ },
  { name: "label of 256 characters", mutate: (c) => (set0(c).labels = ["x".repeat(256)]), key: "runnerSets[0].labels[0]", message: /under 256/ },
  { name: "duplicate label, other case", mutate: (c) => (set0(c).labels = ["Kernel", "kernel"]), key: "runnerSets[0].labels[1]", message: /duplicate label/ },
  {
    name: "two sets whose labels overlap",
    mutate: (c) => (c.runnerSets = [{ name: "a", labels: ["linux", "big"] }, { name: "b", labels: ["linux"] }]),
    key: "runnerSets[1].labels",
    message: /a job with runs-on \[linux\] could land on b or a/,
  },
  {
    name: "a set and a host pool that serve the same labels",
    mutate: (c) => {
      set0(c).labels = ["linux", "arm64"];
      c.hostPools = [pool({ labels: ["arm64"] })];
    },
    key: "hostPools[0].labels",
    message: /overlaps runnerSets\[0\]/,
  },
  { name: "duplicate runner set names", mutate: (c) => (c.runnerSets = [{ name: "a" }, { name: "a" }]), key: "runnerSets[1].name", message: /duplicate name "a"/ },
  { name: "github url over http", mutate: (c) => ((c.github as Obj).url = "http://github.com/acme"), key: "github.url", message: /https/ },
  { name: "github url too deep", mutate: (c) => ((c.github as Obj).url = "https://github.com/acme/widgets/tree"), key: "github.url", message: /expected https/ },
  { name: "app auth without appId", mutate: (c) => (c.github = { url: "https://github.com/acme", auth: "app", installationId: 4 }), key: "github.appId", message: /required when auth is app/, opts: { secrets: { githubAppPrivateKey: FAKE_PEM } } },
  { name: "unknown auth", mutate: (c) => ((c.github as Obj).auth = "password"), key: "github.auth", message: /"app".*"token" or "platform"/ },
  { name: "typo'd runner set key", mutate: (c) => (set0(c).maxRunner = 3), key: "runnerSets[0].maxRunner", message: /unknown key \(did you mean "maxRunners"\?\)/ },
  { name: "typo'd top-level key", mutate: (c) => ((c.runnerSet = c.runnerSets), delete c.runnerSets), key: "runnerSet", message: /did you mean "runnerSets"/ },
  { name: "runner sets without a cluster", mutate: (c) => delete c.cluster, key: "cluster", message: /required when runnerSets/ },
  { name: "unknown cluster type", mutate: (c) => (c.cluster = { type: "minikube" }), key: "cluster.type", message: /"kind", "eks" or "existing"/ },
  { name: "arm64 set on an amd64 kind cluster", mutate: (c) => (set0(c).arch = "arm64"), key: "runnerSets[0].arch", message: /no arm64 nodes/ },
  { name: "cache without a storage class on an existing cluster", mutate: (c) => ((c.cluster = { type: "existing" }), (set0(c).containerMode = "kubernetes")), key: "runnerSets[0].storage.storageClass", message: /names no storageClass/ },
  { name: "a cache where jobs run in the runner container", mutate: (c) => (set0(c).storage = { size: "10Gi" }), key: "runnerSets[0].storage", message: /containerMode none runs each job in the runner container.*oneTrustDomain: true/ },
  { name: "a dind cache", mutate: (c) => Object.assign(set0(c), { containerMode: "dind", storage: {} }), key: "runnerSets[0].storage", message: /containerMode dind .*containerMode kubernetes \(the cache scoped by ref\)/ },
  { name: "write path on the read path", mutate: (c) => Object.assign(set0(c), { containerMode: "kubernetes", storage: { writeMountPath: "/home/runner/cache" } }), key: "runnerSets[0].storage.writeMountPath", message: /must differ from mountPath/ },
  { name: "default branch with a quote", mutate: (c) => Object.assign(set0(c), { containerMode: "kubernetes", storage: { defaultBranch: "main'; rm -rf /" } }), key: "runnerSets[0].storage.defaultBranch", message: /must be a branch name/ },
  {
    name: "kubernetes mode without a work volume class",
    mutate: (c) => {
      c.cluster = { type: "existing" };
      Object.assign(set0(c), { containerMode: "kubernetes", storage: { storageClass: "gp3" } });
    },
    key: "runnerSets[0].workVolume.storageClass",
    message: /containerMode kubernetes/,
  },
  { name: "runner group on a repository URL", mutate: (c) => (set0(c).runnerGroup = "builders"), key: "runnerSets[0].runnerGroup", message: /only for organisation and enterprise/ },
  { name: "runner set on another GitHub host", mutate: (c) => (set0(c).githubUrl = "https://ghe.example.com/acme"), key: "runnerSets[0].githubUrl", message: /must be on github.com/ },
  { name: "arm64 pool with an Intel type", mutate: (c) => (c.hostPools = [pool({ instanceTypes: ["c7g.large", "c6i.large"] })]), key: "hostPools[0].instanceTypes[1]", message: /"c6i.large" is amd64 but the pool's arch is arm64/ },
  { name: "amd64 pool with a Graviton type", mutate: (c) => (c.hostPools = [pool({ arch: "amd64", instanceTypes: ["t4g.large"] })]), key: "hostPools[0].instanceTypes[0]", message: /is arm64 but the pool's arch is amd64/ },
  { name: "pool desired above max", mutate: (c) => (c.hostPools = [pool({ capacity: { min: 0, desired: 5, max: 2 } })]), key: "hostPools[0].capacity.max", message: /must be ≥ desired/ },
  { name: "no instances", mutate: (c) => (set0(c).instances = 0), key: "runnerSets[0].instances", message: />=1|≥ ?1|too small/i },
  { name: "storage size not a quantity", mutate: (c) => (set0(c).storage = { size: "10GB" }), key: "runnerSets[0].storage.size", message: /Kubernetes quantity/ },
  { name: "runnerSets not a list", mutate: (c) => (c.runnerSets = "widgets"), key: "runnerSets", message: /expected array/ },
  { name: "EKS node group of the wrong family", mutate: (c) => onEks(c, { nodeGroups: [{ name: "g", arch: "arm64", instanceTypes: ["m7i.large"] }] }), key: "cluster.nodeGroups[0].instanceTypes[0]", message: /is amd64 but the node group's arch is arm64/, opts: REGION },
  { name: "set asking for an arch no node group provides", mutate: (c) => { onEks(c, { nodeGroups: [{ name: "g", arch: "amd64", instanceTypes: ["m7i.large"] }] }); set0(c).arch = "arm64"; }, key: "runnerSets[0].arch", message: /no arm64 node groups/, opts: REGION },
  { name: "EKS without a region", mutate: (c) => onEks(c), key: "aws:region", message: /required for an EKS cluster/, opts: { secrets: TOKEN } },
  { name: "public endpoint without CIDRs", mutate: (c) => onEks(c, { endpointPublicAccess: true }), key: "cluster.publicAccessCidrs", message: /required when endpointPublicAccess/, opts: REGION },
  { name: "every node group tainted", mutate: (c) => onEks(c, { nodeGroups: [{ name: "g", arch: "arm64", instanceTypes: ["c7g.large"], taints: [{ key: "k", effect: "NoSchedule" }] }] }), key: "cluster.nodeGroups", message: /every node group is tainted/, opts: REGION },
  { name: "admin that is not an IAM ARN", mutate: (c) => onEks(c, { admins: ["alice"] }), key: "cluster.admins[0]", message: /IAM role or user ARN/, opts: REGION },
  { name: "host pools without a region", mutate: (c) => (c.hostPools = [pool({ labels: ["kernel"] })]), key: "aws:region", message: /required for host pools/, opts: { secrets: TOKEN } },
  { name: "on-demand base above max", mutate: (c) => (c.hostPools = [pool({ spot: true, onDemandBase: 5, capacity: { max: 2 } })]), key: "hostPools[0].onDemandBase", message: /≤ capacity.max/, opts: REGION },
  { name: "schedule that changes nothing", mutate: (c) => (c.hostPools = [pool({ schedules: [{ name: "night", recurrence: "0 20 * * *" }] })]), key: "hostPools[0].schedules[0]", message: /at least one of min, desired, max/, opts: REGION },
  { name: "schedule with a bad cron", mutate: (c) => (c.hostPools = [pool({ schedules: [{ name: "night", recurrence: "nightly", min: 0 }] })]), key: "hostPools[0].schedules[0].recurrence", message: /five-field cron/, opts: REGION },
  { name: "team without a platform", mutate: (c) => (c.team = "payments"), key: "platform", message: /required for a team stack/ },
  { name: "team stack with its own cluster", mutate: (c) => Object.assign(c, { team: "payments", platform: "acme/runner-fleet/prod" }), key: "cluster", message: /runs on its platform stack's cluster/ },
  { name: "platform name not org/project/stack", mutate: (c) => Object.assign(c, { platform: "prod" }), key: "platform", message: /<org>\/<project>\/<stack>/ },
  { name: "platform credential without a platform", mutate: (c) => ((c.github as Obj).auth = "platform"), key: "github.auth", message: /needs the platform key/, opts: {} },
  { name: "runner groups on a repository URL", mutate: (c) => (c.runnerGroups = [{ name: "builders", visibility: "all" }]), key: "runnerGroups", message: /organisation URL/ },
  { name: "selected runner group without repositories", mutate: (c) => Object.assign(c, { github: { url: "https://github.com/acme", auth: "token" }, runnerGroups: [{ name: "builders" }] }), key: "runnerGroups[0].repositories", message: /name the repositories/ },
  { name: "duplicate runner groups", mutate: (c) => Object.assign(c, { github: { url: "https://github.com/acme", auth: "token" }, runnerGroups: [{ name: "b", visibility: "all" }, { name: "B", visibility: "all" }] }), key: "runnerGroups[1].name", message: /duplicate runner group/ },
  { name: "teams on a team stack", mutate: (c) => Object.assign(c, { cluster: undefined, team: "payments", platform: "acme/runner-fleet/prod", teams: [{ name: "ledger" }] }), key: "teams", message: /only a platform stack serves teams/ },
  { name: "teams without a cluster", mutate: (c) => Object.assign(c, { cluster: undefined, runnerSets: [], teams: [{ name: "ledger" }] }), key: "teams", message: /configure runner-fleet:cluster/ },
  { name: "duplicate teams", mutate: (c) => Object.assign(c, { teams: [{ name: "ledger" }, { name: "ledger" }] }), key: "teams[1].name", message: /duplicate name "ledger"/ },
  { name: "a team's group clashing with the platform's", mutate: (c) => Object.assign(c, { github: { url: "https://github.com/acme", auth: "token" }, runnerGroups: [{ name: "b", visibility: "all" }], teams: [{ name: "ledger", runnerGroups: [{ name: "B", visibility: "all" }] }] }), key: "teams[0].runnerGroups[0].name", message: /already runnerGroups\[0\]/ },
  { name: "a team credential value that is neither", mutate: (c) => Object.assign(c, { teams: [{ name: "ledger", credential: "borrowed" }] }), key: "teams[0].credential", message: /platform|own/ },
  { name: "token missing", mutate: () => undefined, key: "githubToken", message: /required when github.auth is token; set it with `pulumi config set --secret githubToken`/, opts: {} },
  { name: "token stored in clear", mutate: () => undefined, key: "githubToken", message: /stored in clear text/, opts: { plain: TOKEN } },
  { name: "private key not PEM", mutate: (c) => (c.github = { url: "https://github.com/acme", auth: "app", appId: 1, installationId: 2 }), key: "githubAppPrivateKey", message: /not a PEM private key/, opts: { secrets: { githubAppPrivateKey: "not-a-key" } } },
  { name: "both credentials set", mutate: () => undefined, key: "githubAppPrivateKey", message: /is set but github.auth is token/, opts: { secrets: { ...TOKEN, githubAppPrivateKey: FAKE_PEM } } },
];

describe("stack config", () => {
  it("accepts the base config and applies the defaults in one place", () => {
    const cfg = parseStackConfig(sourceFrom(baseConfig(), { secrets: TOKEN }));
    expect(cfg.arc).toEqual({ controllerNamespace: "arc-systems", runnerNamespace: "arc-runners", logLevel: "info", logFormat: "json", metrics: true, prometheusOperator: false });
    expect(cfg.runnerSets[0]).toMatchObject({ minRunners: 0, maxRunners: 1, arch: "amd64", containerMode: "none", labels: [] });
    expect(cfg.cluster).toMatchObject({ type: "kind", workers: 1, cacheHostPath: "/tmp/github-runner-cache", storageClass: "standard" });
    expect(cfg.protect).toBe(false);
  });

  it("takes numeric App ids as the strings the chart needs", () => {
    const c = { ...baseConfig(), github: { url: "https://github.com/acme", auth: "app", appId: 123, installationId: 456 } };
    const cfg = parseStackConfig(sourceFrom(c, { secrets: { githubAppPrivateKey: FAKE_PEM } }));
    expect(cfg.github).toMatchObject({ appId: "123", installationId: "456" });
  });

  it(`rejects ${BAD.length} malformed configs, each with the stack file and key path`, () => {
    expect(BAD.length).toBeGreaterThanOrEqual(15);
    for (const bad of BAD) {
      const c = baseConfig();
      bad.mutate(c);
      const lines = errorLines(c, bad.opts ?? { secrets: TOKEN });
      const prefix = `Pulumi.test.yaml: ${bad.key.includes(":") ? "" : "runner-fleet:"}${bad.key}: `;
      const line = lines.find((l) => l.startsWith(prefix));
      expect(line, `${bad.name}: expected a line starting "${prefix}", got:\n${lines.join("\n")}`).toBeDefined();
      expect(line, bad.name).toMatch(bad.message);
    }
  });

  it("reports every problem at once, not just the first", () => {
    const c = baseConfig();
    Object.assign(set0(c), { arch: "sparc", labels: [""], storage: { size: "lots" } });
    expect(errorLines(c)).toHaveLength(3);
  });

  it("never echoes a credential in an error", () => {
    const secret = "ghp_do_not_print_me 123";
    const lines = errorLines(baseConfig(), { secrets: { githubToken: secret } });
    expect(lines.join("\n")).toMatch(/whitespace/);
    expect(lines.join("\n")).not.toContain("do_not_print_me");
  });

  it("ignores other providers' keys", () => {
    const src = sourceFrom(baseConfig(), { secrets: TOKEN });
    const all = { ...src.all(), "aws:region": "eu-west-1", "kubernetes:context": "x" };
    expect(() => parseStackConfig({ ...src, all: () => all })).not.toThrow();
  });
});

describe("fleet model", () => {
  it("gives each instance its own cache: a hostPath on kind, a claim with a storage class elsewhere", () => {
    // Jobs in the runner container (containerMode none): no cache unless one trust domain is declared.
    expect(fleetModel(parseStackConfig(sourceFrom(baseConfig(), { secrets: TOKEN }))).runnerSets[0]!.instances.map((i) => i.cache)).toEqual([undefined, undefined, undefined]);
    const trusted = baseConfig();
    set0(trusted).storage = { oneTrustDomain: true };
    const kind = fleetModel(parseStackConfig(sourceFrom(trusted, { secrets: TOKEN })));
    expect(kind.runnerSets[0]!.instances.map((i) => i.cache)).toEqual([1, 2, 3].map((n) => ({
      kind: "hostPath",
      path: `/tmp/github-runner-cache/widgets-${n}`,
      mountPath: "/home/runner/cache",
      scope: { kind: "instance" },
    })));
    // Jobs in pods of their own: a cache by default, scoped by ref.
    const c = { ...baseConfig(), cluster: { type: "existing", storageClass: "gp3" } };
    Object.assign(set0(c), { containerMode: "kubernetes", storage: { size: "50Gi" } });
    const eks = fleetModel(parseStackConfig(sourceFrom(c, { secrets: TOKEN })));
    expect(eks.runnerSets[0]!.instances[2]!.cache).toEqual({
      kind: "pvc",
      claimName: "widgets-3-cache",
      storageClass: "gp3",
      size: "50Gi",
      mountPath: "/home/runner/cache",
      scope: { kind: "ref", defaultBranch: "main", writeMountPath: "/home/runner/cache-write" },
    });
    delete set0(c).storage;
    expect(fleetModel(parseStackConfig(sourceFrom(c, { secrets: TOKEN }))).runnerSets[0]!.instances[0]!.cache).toMatchObject({ size: "10Gi", scope: { kind: "ref" } });
  });

  it("derives names from the set's name, not its position", () => {
    const c = baseConfig();
    c.runnerSets = [{ name: "a", instances: 2 }, { name: "b" }];
    const names = (cfg: Cfg) => fleetModel(parseStackConfig(sourceFrom(cfg, { secrets: TOKEN }))).runnerSets.flatMap((s) => s.instances.map((i) => i.name)).sort();
    const before = names(c);
    c.runnerSets = [{ name: "b" }, { name: "a", instances: 2 }];
    expect(names(c)).toEqual(before);
    expect(before).toEqual(["a-1", "a-2", "b-1"]);
  });
});

describe("reading Pulumi's config", () => {
  it("tells secret keys from clear ones through the SDK", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const { pulumiConfigSource } = await import("../../config/load");
    pulumi.runtime.setAllConfig({ "runner-fleet:githubToken": "x", "runner-fleet:github": "{}" }, ["runner-fleet:githubToken"]);
    const src = pulumiConfigSource();
    expect(src.isSecret("runner-fleet:githubToken")).toBe(true);
    expect(src.isSecret("runner-fleet:github")).toBe(false);
  });
});
