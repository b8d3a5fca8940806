import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { REGISTRATION_VALUE_PATHS } from "../../components/arc/scale-set-values";
import { unwrapSecrets } from "../../tools/render-lib";
import { canaries, renderRealStack } from "../helpers/render";

interface SeenRelease {
  name: string;
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  trigger: unknown;
}

/** Renders a committed stack; records each Helm release's replacement options and its rendered inputs. */
async function releases(stack: string): Promise<{ seen: SeenRelease[]; inputs: Map<string, Record<string, unknown>> }> {
  const seen: SeenRelease[] = [];
  const result = await renderRealStack(stack, canaries(), undefined, (t) => {
    if (t.type !== "kubernetes:helm.sh/v3:Release") return;
    const o = t.opts as pulumi.CustomResourceOptions;
    seen.push({ name: t.name, replaceOnChanges: o.replaceOnChanges ?? [], deleteBeforeReplace: o.deleteBeforeReplace === true, trigger: o.replacementTrigger });
  });
  const inputs = new Map(result.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => [r.name, unwrapSecrets(r.inputs) as Record<string, unknown>]));
  return { seen, inputs };
}

/** The value at an engine property path ("values.scaleSetLabels") in a resource's inputs. */
function at(inputs: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), inputs);
}

// A label or runner-group change must replace the release, old one first (docs/routing.md). The
// engine and the Helm provider are not here; what is held: every scale-set release carries the
// trigger, deleteBeforeReplace and replaceOnChanges paths, and those paths name the rendered inputs
// that carry the set's labels and group (a renamed values key would leave them pointing nowhere).
describe.each(["dev", "prod"])("stack %s: ARC scale-set releases are replaced when GitHub's fixed fields change", (stack) => {
  it("each scale-set release: trigger, deleteBeforeReplace, and replaceOnChanges paths that exist in its values", async () => {
    const { seen, inputs } = await releases(stack);
    const sets = seen.filter((r) => at(inputs.get(r.name)!, "values.runnerScaleSetName") !== undefined);
    expect(sets.length).toBeGreaterThan(0);
    for (const r of sets) {
      expect(r.replaceOnChanges, r.name).toEqual([...REGISTRATION_VALUE_PATHS]);
      expect(r.deleteBeforeReplace, r.name).toBe(true);
      expect(typeof r.trigger, r.name).toBe("string");
      const values = inputs.get(r.name)!;
      const trigger = JSON.parse(r.trigger as string) as { labels: string[]; runnerGroup: string | null };
      // ARC sends the name first itself; the rest of the registered list is values.scaleSetLabels.
      expect(trigger.labels[0]).toBe(at(values, "values.runnerScaleSetName"));
      expect(at(values, "values.scaleSetLabels") ?? []).toEqual(trigger.labels.slice(1));
      expect(at(values, "values.runnerGroup") ?? null).toBe(trigger.runnerGroup);
    }
    // The controller's release is never replaced on these paths.
    for (const r of seen.filter((x) => !sets.includes(x))) expect(r.replaceOnChanges, r.name).toEqual([]);
  });
});
