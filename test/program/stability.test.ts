import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_TYPES, PREVIOUS_IDENTITIES } from "../../components/types";
import { diffRenders, type ResourceDiff } from "../../tools/diff-lib";
import { renderDocument, type RenderDocument } from "../../tools/render-format";
import { renderStackFile } from "../../tools/render-stack-file";
import type { StackFileConfig } from "../../tools/stack-file";
import { REPO } from "../helpers/env";

type Obj = Record<string, unknown>;
const NS = "runner-fleet:";

/** Renders prod with its config edited as objects (the stack file as the engine would pass it). */
async function prod(edit: (c: Record<string, Obj | Obj[]>) => void = () => undefined): Promise<RenderDocument> {
  const override = (f: StackFileConfig): StackFileConfig => {
    const parsed: Record<string, Obj | Obj[]> = {};
    for (const [k, v] of Object.entries(f.config)) if (k.startsWith(NS)) try { parsed[k.slice(NS.length)] = JSON.parse(v) as Obj; } catch { /* a plain string */ }
    edit(parsed);
    const config = { ...f.config };
    for (const [k, v] of Object.entries(parsed)) config[NS + k] = JSON.stringify(v);
    return { ...f, config };
  };
  return renderDocument(await renderStackFile(REPO, "prod", () => undefined, override));
}

const nothing = (d: ResourceDiff) => ({ added: d.added.length, removed: d.removed.length, changed: d.changed.length, renamed: d.renamed.length, outputs: d.outputs.length });
const reverse = <T>(xs: T[]) => [...xs].reverse();

describe("blast radius of config changes (prod)", () => {
  let base: RenderDocument;
  beforeAll(async () => {
    base = await prod();
  });

  it("reordering any list changes nothing", async () => {
    const head = await prod((c) => {
      c.runnerSets = reverse(c.runnerSets as Obj[]).map((s) => ({ ...s, labels: reverse((s.labels as string[] | undefined) ?? []) }));
      c.hostPools = reverse(c.hostPools as Obj[]).map((p) => ({ ...p, labels: reverse(p.labels as string[]), schedules: reverse((p.schedules as Obj[] | undefined) ?? []) }));
      const cluster = c.cluster as Obj;
      cluster.nodeGroups = reverse(cluster.nodeGroups as Obj[]);
      cluster.publicAccessCidrs = reverse(cluster.publicAccessCidrs as string[]);
    });
    expect(nothing(diffRenders(base, head))).toEqual({ added: 0, removed: 0, changed: 0, renamed: 0, outputs: 0 });
  });

  it("adding a runner set adds only its own resources", async () => {
    const head = await prod((c) => {
      (c.runnerSets as Obj[]).push({ name: "extra", instances: 2, arch: "amd64", labels: ["extra"], storage: { size: "5Gi", oneTrustDomain: true } });
    });
    const d = diffRenders(base, head);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual([]);
    expect(d.added.map((a) => `${a.type} ${a.name}`)).toEqual([
      "runner-fleet:arc:RunnerScaleSet extra",
      "kubernetes:core/v1:PersistentVolumeClaim extra-1-cache",
      "kubernetes:helm.sh/v3:Release extra-1",
      "kubernetes:core/v1:PersistentVolumeClaim extra-2-cache",
      "kubernetes:helm.sh/v3:Release extra-2",
    ]);
    expect(d.outputs.every((o) => o.path.startsWith("runnerSets.extra"))).toBe(true);
  });

  it("raising one set's maxRunners changes one input of one resource", async () => {
    const head = await prod((c) => {
      const s = (c.runnerSets as Obj[]).find((x) => x.name === "org-builders")!;
      s.maxRunners = 20;
    });
    const d = diffRenders(base, head);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual([{ type: "kubernetes:helm.sh/v3:Release", name: "org-builders-1", changes: [{ path: "values.maxRunners", before: 10, after: 20 }] }]);
  });

  it("adding a team stack changes nothing in the platform, and the team's names carry the team", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stab-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"]) copyFileSync(join(REPO, f), join(dir, f));
    copyFileSync(join(REPO, "stacks/Pulumi.team-example.yaml"), join(dir, "Pulumi.team-payments.yaml"));
    expect(nothing(diffRenders(base, renderDocument(await renderStackFile(dir, "prod"))))).toEqual({ added: 0, removed: 0, changed: 0, renamed: 0, outputs: 0 });
    const team = renderDocument(await renderStackFile(dir, "team-payments"));
    const platformNames = new Set(base.resources.map((r) => `${r.type}::${r.name}`));
    const clashes = team.resources.filter((r) => r.type.startsWith("kubernetes:") && platformNames.has(`${r.type}::${r.name}`) && r.type !== "kubernetes:core/v1:Secret");
    expect(clashes).toEqual([]);
    expect(team.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").every((r) => r.name.startsWith("payments-"))).toBe(true);
  });
});

describe("renaming a component type", () => {
  const original = COMPONENT_TYPES.RunnerNamespace;
  afterEach(() => {
    COMPONENT_TYPES.RunnerNamespace = original;
    delete PREVIOUS_IDENTITIES.RunnerNamespace;
  });

  it("without an alias, deletes and re-creates it", async () => {
    const base = await prod();
    COMPONENT_TYPES.RunnerNamespace = "runner-fleet:k8s:RunnerNamespace";
    const d = diffRenders(base, await prod());
    // prod has four runner namespaces: the baseline one, the privileged one, and one per team.
    expect(d.removed.map((r) => r.type)).toEqual([original, original, original, original]);
    expect(d.added.map((r) => r.type)).toEqual(Array(4).fill("runner-fleet:k8s:RunnerNamespace"));
  });

  it("with its old identity in PREVIOUS_IDENTITIES, adopts it: no delete, no create", async () => {
    const base = await prod();
    COMPONENT_TYPES.RunnerNamespace = "runner-fleet:k8s:RunnerNamespace";
    PREVIOUS_IDENTITIES.RunnerNamespace = [{ type: original }];
    const d = diffRenders(base, await prod());
    expect(nothing(d)).toEqual({ added: 0, removed: 0, changed: 0, renamed: 4, outputs: 0 });
    expect(d.renamed).toEqual(
      ["arc-runners", "arc-runners-privileged", "payments-runners", "payments-eu-runners"].map((n) => ({ from: `${original}::${n}`, to: `runner-fleet:k8s:RunnerNamespace::${n}` })),
    );
  });
});
