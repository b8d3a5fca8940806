import { describe, expect, it } from "vitest";
import { REGISTRATION_VALUE_PATHS, registrationKey, scaleSetValues } from "../../components/arc/scale-set-values";
import { hostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { fleetModel } from "../../config/model";
import { scaleSetLabels } from "../../config/scale-set-labels";
import { hostPoolSchema, runnerSetSchema } from "../../config/schema";
import { labelsMatch } from "../../protocol/labels";
import { baseConfig, configErrorLines, sourceFrom, TOKEN } from "../helpers/config";

/** What a scale set is registered with: one list for the control plane, ARC's values and the outputs. */
describe("scale-set labels", () => {
  it("name first, the stack's labels (sorted), then self-hosted, linux and the arch label; deduplicated case-insensitively", () => {
    expect(scaleSetLabels("graviton-builders", { labels: ["kernel", "Linux"], arch: "arm64", selfHostedLabels: true })).toEqual(["graviton-builders", "kernel", "Linux", "self-hosted", "ARM64"]);
    expect(scaleSetLabels("kvm-x64", { labels: ["kvm"], arch: "amd64", selfHostedLabels: true })).toEqual(["kvm-x64", "kvm", "self-hosted", "linux", "X64"]);
    expect(scaleSetLabels("rubionic-1", { labels: [], arch: "arm64", selfHostedLabels: false })).toEqual(["rubionic-1"]);
    // Reordering a stack file's labels registers the same list.
    expect(scaleSetLabels("p", { labels: ["b", "a"], arch: "amd64", selfHostedLabels: true })).toEqual(scaleSetLabels("p", { labels: ["a", "b"], arch: "amd64", selfHostedLabels: true }));
  });

  it("the README's runs-on values match what is registered; another arch's do not", () => {
    const l = scaleSetLabels("graviton-builders", { labels: ["kernel"], arch: "arm64", selfHostedLabels: true });
    expect(labelsMatch(["graviton-builders"], l)).toBe(true);
    expect(labelsMatch(["self-hosted", "linux", "ARM64"], l)).toBe(true);
    expect(labelsMatch(["self-hosted", "linux", "X64"], l)).toBe(false);
    expect(labelsMatch(["self-hosted", "linux", "ARM64"], scaleSetLabels("graviton-builders", { labels: ["kernel"], arch: "arm64", selfHostedLabels: false }))).toBe(false);
  });

  it("selfHostedLabels: on by default, described in the schema, refused by key when not a boolean", () => {
    for (const schema of [hostPoolSchema, runnerSetSchema]) {
      expect(JSON.stringify(schema.toJSONSchema?.() ?? {})).toContain("self-hosted, linux, and X64 or ARM64");
    }
    const c = baseConfig();
    c.runnerSets = [{ name: "widgets", instances: 3, selfHostedLabels: "no" }];
    expect(configErrorLines(c)).toEqual([expect.stringMatching(/^Pulumi\.test\.yaml: runner-fleet:runnerSets\[0\]\.selfHostedLabels: /)]);
    const cfg = parseStackConfig(
      sourceFrom({ ...baseConfig(), hostPools: [{ name: "g", arch: "arm64", instanceTypes: ["c7g.large"] }], runnerSets: [{ name: "widgets", instances: 3, selfHostedLabels: false }] }, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } }),
    );
    expect(cfg.hostPools[0]!.selfHostedLabels).toBe(true);
    expect(hostPoolModel(cfg, cfg.hostPools[0]!, "runner-fleet", "test").labels).toEqual(["g", "self-hosted", "linux", "ARM64"]);
    expect(fleetModel(cfg).runnerSets[0]!.instances.map((i) => i.registeredLabels)).toEqual([["widgets-1"], ["widgets-2"], ["widgets-3"]]);
  });

  it("ARC: scaleSetLabels is the registered list less the name (ARC adds it first); the replacement key follows labels and runner group only", () => {
    const model = (over: Record<string, unknown>) => {
      const cfg = parseStackConfig(sourceFrom({ ...baseConfig(), github: { url: "https://github.com/acme", auth: "token" }, cluster: { type: "kind", name: "test", arch: "arm64" }, runnerSets: [{ name: "arm", arch: "arm64", ...over }] }, { secrets: TOKEN }));
      return fleetModel(cfg).runnerSets[0]!;
    };
    const ctx = { credentialsSecretName: "s", controllerNamespace: "arc-systems", controllerServiceAccount: "arc" };
    const on = model({ labels: ["kernel"] });
    expect(scaleSetValues(on, on.instances[0]!, ctx).scaleSetLabels).toEqual(["kernel", "self-hosted", "linux", "ARM64"]);
    const off = model({ selfHostedLabels: false });
    expect(scaleSetValues(off, off.instances[0]!, ctx).scaleSetLabels).toBeUndefined();
    const key = (over: Record<string, unknown>) => {
      const m = model(over);
      return registrationKey(m, m.instances[0]!);
    };
    expect(key({ labels: ["kernel"], maxRunners: 5 })).toBe(key({ labels: ["kernel"] }));
    expect(key({ labels: ["kernel", "big"] })).not.toBe(key({ labels: ["kernel"] }));
    expect(key({ labels: ["kernel"], selfHostedLabels: false })).not.toBe(key({ labels: ["kernel"] }));
    expect(key({ labels: ["kernel"], runnerGroup: "builders" })).not.toBe(key({ labels: ["kernel"] }));
  });

  it("ARC: the release's replaceOnChanges paths hold exactly what the replacement key covers", () => {
    const model = (over: Record<string, unknown>) => {
      const cfg = parseStackConfig(sourceFrom({ ...baseConfig(), github: { url: "https://github.com/acme", auth: "token" }, cluster: { type: "kind", name: "test", arch: "arm64" }, runnerSets: [{ name: "arm", arch: "arm64", ...over }] }, { secrets: TOKEN }));
      return fleetModel(cfg).runnerSets[0]!;
    };
    const ctx = { credentialsSecretName: "s", controllerNamespace: "arc-systems", controllerServiceAccount: "arc" };
    // What the provider's diff sees under each path ("values.x" is the release input values.x).
    const atPaths = (over: Record<string, unknown>): string => {
      const m = model(over);
      const values = scaleSetValues(m, m.instances[0]!, ctx) as unknown as Record<string, unknown>;
      return JSON.stringify(REGISTRATION_VALUE_PATHS.map((p) => values[p.replace(/^values\./, "")] ?? null));
    };
    const variants: Record<string, unknown>[] = [
      { labels: ["kernel"] },
      { labels: ["kernel"], maxRunners: 7 },
      { labels: ["kernel"], minRunners: 1 },
      { labels: ["kernel", "big"] },
      { labels: ["kernel"], selfHostedLabels: false },
      { labels: ["kernel"], runnerGroup: "builders" },
      { labels: ["kernel"], runnerGroup: "others" },
      { labels: [], selfHostedLabels: false },
    ];
    // Two configurations replace the release exactly when their registration keys differ.
    for (const a of variants) {
      for (const b of variants) {
        const keyA = registrationKey(model(a), model(a).instances[0]!);
        const keyB = registrationKey(model(b), model(b).instances[0]!);
        expect(atPaths(a) === atPaths(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(keyA === keyB);
      }
    }
  });
});
