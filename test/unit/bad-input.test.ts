import { describe, expect, it } from "vitest";
import { instanceTypeArch } from "../../config/arch";
import { extraLabelsHonoured } from "../../config/registered-labels";
import { scaleSetLabels } from "../../config/scale-set-labels";
import { baseConfig, configErrorLines, TOKEN, type SourceOptions } from "../helpers/config";

type Obj = Record<string, unknown>;
const REGION: SourceOptions = { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } };
const pool = (extra: Obj = {}): Obj => ({ name: "hosts", arch: "arm64", instanceTypes: ["c7g.2xlarge"], ...extra });
const withPool = (extra: Obj = {}): Obj => ({ ...baseConfig(), hostPools: [pool(extra)] });

/** Each bad stack is refused with one line naming the stack file and the key, before anything is registered. */
const BAD: { name: string; cfg: () => Obj; key: string; message: RegExp }[] = [
  { name: "a set that can never run a job", cfg: () => ({ ...baseConfig(), runnerSets: [{ name: "widgets", maxRunners: 0 }] }), key: "runnerSets[0].maxRunners", message: /maxRunners 0 can never run a job/ },
  { name: "an instance-type typo", cfg: () => withPool({ instanceTypes: ["c7g.2xlarg"] }), key: "hostPools[0].instanceTypes[0]", message: /"c7g.2xlarg" is not an EC2 instance type.*did you mean "c7g.2xlarge"/ },
  { name: "a made-up family that looks like Graviton", cfg: () => withPool({ instanceTypes: ["c9g.large"] }), key: "hostPools[0].instanceTypes[0]", message: /not an EC2 instance type/ },
  { name: "an x86 type in an arm64 pool", cfg: () => withPool({ instanceTypes: ["c7i.large"] }), key: "hostPools[0].instanceTypes[0]", message: /"c7i.large" is amd64 but the pool's arch is arm64/ },
  { name: "a mac type (no Linux runner)", cfg: () => withPool({ instanceTypes: ["mac2.metal"] }), key: "hostPools[0].instanceTypes[0]", message: /not an EC2 instance type a Linux runner/ },
  { name: "a clone URL", cfg: () => ({ ...baseConfig(), github: { url: "https://github.com/acme/widgets.git", auth: "token" } }), key: "github.url", message: /clone URL; write the repository's page URL https:\/\/github.com\/acme\/widgets$/ },
  { name: "a trailing slash", cfg: () => ({ ...baseConfig(), github: { url: "https://github.com/acme/", auth: "token" } }), key: "github.url", message: /must not end with "\/": write https:\/\/github.com\/acme$/ },
  { name: "a set's githubUrl with .git", cfg: () => ({ ...baseConfig(), runnerSets: [{ name: "widgets", githubUrl: "https://github.com/acme/widgets.git" }] }), key: "runnerSets[0].githubUrl", message: /clone URL/ },
  { name: "a host that is not GitHub", cfg: () => ({ ...baseConfig(), github: { url: "https://gitlab.com/acme", auth: "token" } }), key: "github.url", message: /gitlab.com is not github.com; for GitHub Enterprise Server declare it/ },
  { name: "GHES declared for github.com", cfg: () => ({ ...baseConfig(), github: { url: "https://github.com/acme", auth: "token", enterpriseServer: { version: "3.21" } } }), key: "github.enterpriseServer", message: /GitHub's cloud/ },
  { name: "the custom-labels flag before 3.18", cfg: () => ({ ...baseConfig(), github: { url: "https://ghe.acme.test/acme", auth: "token", enterpriseServer: { version: "3.17", customLabels: true } } }), key: "github.enterpriseServer.customLabels", message: /3.18 added/ },
  {
    name: "a host pool whose scale set is a runner set's instance",
    cfg: () => ({ ...baseConfig(), github: { url: "https://github.com/acme", auth: "token" }, hostPools: [pool({ name: "widgets-2", labels: ["big"] })] }),
    key: "hostPools[0].name",
    message: /scale set name "widgets-2" is also a scale set of runnerSets\[0\] \(widgets\)/,
  },
];

describe("bad input is refused by key", () => {
  it.each(BAD)("$name", ({ cfg, key, message }) => {
    const lines = configErrorLines(cfg(), REGION);
    const line = lines.find((l) => l.startsWith(`Pulumi.test.yaml: runner-fleet:${key}: `));
    expect(line, lines.join("\n")).toMatch(message);
  });

  it("accepts what these cases stand next to", () => {
    expect(configErrorLines(withPool(), REGION)).toEqual([]);
    expect(configErrorLines({ ...baseConfig(), github: { url: "https://octocorp.ghe.com/acme/widgets", auth: "token" } })).toEqual([]);
    expect(configErrorLines({ ...baseConfig(), github: { url: "https://ghe.acme.test/acme/widgets", auth: "token", enterpriseServer: { version: "3.20" } } })).toEqual([]);
  });
});

describe("instance types come from AWS's list", () => {
  it.each([
    ["c7g.2xlarge", "arm64"],
    ["a1.large", "arm64"],
    ["is4gen.xlarge", "arm64"],
    ["m7i.large", "amd64"],
    ["g5.xlarge", "amd64"],
  ])("%s is %s", (t, arch) => expect(instanceTypeArch(t)).toBe(arch));

  it("knows nothing AWS does not list", () => {
    for (const t of ["c7g.2xlarg", "c9g.large", "C7G.large", "large", "mac2.metal"]) expect(instanceTypeArch(t)).toBeUndefined();
  });
});

describe("registered labels", () => {
  it("are the name, the set's labels, then the classic runner's, deduplicated case-insensitively", () => {
    expect(scaleSetLabels("graviton-builders", { labels: ["kernel", "ARM64"], arch: "arm64", selfHostedLabels: true })).toEqual(["graviton-builders", "ARM64", "kernel", "self-hosted", "linux"]);
    expect(scaleSetLabels("kvm-x64", { labels: ["kvm"], arch: "amd64", selfHostedLabels: false })).toEqual(["kvm-x64", "kvm"]);
  });

  it("beyond the name count on GitHub's cloud and on GHES 3.21+ or with the flag", () => {
    expect(extraLabelsHonoured({ url: "https://github.com/acme", enterpriseServer: undefined })).toBe(true);
    expect(extraLabelsHonoured({ url: "https://ghe.acme.test/acme", enterpriseServer: { version: "3.21" } })).toBe(true);
    expect(extraLabelsHonoured({ url: "https://ghe.acme.test/acme", enterpriseServer: { version: "3.20" } })).toBe(false);
    expect(extraLabelsHonoured({ url: "https://ghe.acme.test/acme", enterpriseServer: { version: "3.19", customLabels: true } })).toBe(true);
    expect(extraLabelsHonoured({ url: "https://ghe.acme.test/acme", enterpriseServer: { version: "3.22", customLabels: false } })).toBe(false);
  });
});
