import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KIND_CREATE_SCRIPT, KIND_DELETE_SCRIPT, kindConfig, kindKubeconfigCommand } from "../../components/kind/kind-config";
import { parseStackConfig } from "../../config/load";
import type { KindClusterConfig } from "../../config/schema";
import { baseConfig, sourceFrom, TOKEN } from "../helpers/config";
import { hasCommand } from "../helpers/env";

function kindCluster(extra: Record<string, unknown> = {}): KindClusterConfig {
  const c = { ...baseConfig(), cluster: { type: "kind", name: "dev", ...extra } };
  const cfg = parseStackConfig(sourceFrom(c, { secrets: TOKEN }));
  if (cfg.cluster?.type !== "kind") throw new Error("expected a kind cluster");
  return cfg.cluster;
}

interface KindDoc {
  kind: string;
  apiVersion: string;
  name: string;
  nodes: { role: string; image?: string; extraMounts: { hostPath: string; containerPath: string }[] }[];
}

describe("kind config", () => {
  it("mounts the cache root into every node at the same path", () => {
    const doc = parse(kindConfig(kindCluster({ workers: 2 }))) as KindDoc;
    expect(doc).toMatchObject({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", name: "dev" });
    expect(doc.nodes.map((n) => n.role)).toEqual(["control-plane", "worker", "worker"]);
    for (const n of doc.nodes) {
      expect(n.extraMounts).toEqual([{ hostPath: "/tmp/github-runner-cache", containerPath: "/tmp/github-runner-cache" }]);
      expect(n.image).toBeUndefined();
    }
    expect(kindConfig(kindCluster())).not.toMatch(/[&*]a\d/); // plain YAML, no anchors
  });

  it("pins the node image only when the stack asks", () => {
    const doc = parse(kindConfig(kindCluster({ nodeImage: "kindest/node:v1.34.0", cacheHostPath: "/var/cache/runners" }))) as KindDoc;
    expect(doc.nodes.every((n) => n.image === "kindest/node:v1.34.0")).toBe(true);
    expect(doc.nodes[0]!.extraMounts[0]!.hostPath).toBe("/var/cache/runners");
  });

  it("quotes the cluster name in the kubeconfig command", () => {
    expect(kindKubeconfigCommand("dev")).toBe("kind get kubeconfig --name 'dev'");
  });
});

describe.runIf(hasCommand("shellcheck", "shellcheck"))("kind scripts under shellcheck", () => {
  it.each([
    ["create", KIND_CREATE_SCRIPT],
    ["delete", KIND_DELETE_SCRIPT],
    ["kubeconfig", kindKubeconfigCommand("runner-fleet-dev")],
  ])("%s is clean", (_name, script) => {
    const dir = mkdtempSync(join(tmpdir(), "kind-sh-"));
    const file = join(dir, "script.sh");
    // /bin/sh -c is what the Command provider runs them with.
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    expect(() => execFileSync("shellcheck", ["--shell=sh", "--severity=style", file], { encoding: "utf8" })).not.toThrow();
  });

  it("shellcheck does flag a broken script (the check is live)", () => {
    const dir = mkdtempSync(join(tmpdir(), "kind-sh-"));
    const file = join(dir, "bad.sh");
    writeFileSync(file, "#!/bin/sh\nkind delete cluster --name $KIND_CLUSTER_NAME\n");
    expect(() => execFileSync("shellcheck", ["--shell=sh", file], { encoding: "utf8" })).toThrow();
  });
});
