import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";

/**
 * What the tests in test/program rely on from @pulumi/pulumi's mock runtime, checked against the
 * installed SDK so an upgrade that changes it fails here, by name, rather than as a hang elsewhere
 * (docs/pulumi-testing.md: what changed from 3.248 to 3.276).
 */
interface Seen {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  transforms: number;
}

class Probe extends pulumi.CustomResource {
  declare readonly size: pulumi.Output<number>;
  constructor(name: string, args: { size: pulumi.Input<number>; note?: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super("probe:index:Thing", name, { ...args }, opts);
  }
}

class Parent extends pulumi.ComponentResource {
  readonly child: Probe;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("runner-fleet:test:Parent", name, {}, opts);
    this.child = new Probe(`${name}-child`, { size: 1, note: pulumi.secret("hidden") }, {
      parent: this,
      // A per-resource transform: 3.248 hung on this; 3.260+ hands it to the mock without running it.
      transforms: [(a) => ({ props: { ...a.props, size: 99 }, opts: a.opts })],
    });
    this.registerOutputs({});
  }
}

function valueOf<T>(o: pulumi.Output<T>, ms = 5_000): Promise<T> {
  return Promise.race([
    new Promise<T>((resolve) => o.apply((v) => resolve(v))),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`output did not resolve within ${ms} ms`)), ms)),
  ]);
}

describe("the mock runtime of the installed @pulumi/pulumi", () => {
  it("hands per-resource transforms to the mock unexecuted, gives no parent, and lifts a nested secret to the whole input", async () => {
    const seen: Seen[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          seen.push({ type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown>, transforms: a.transforms?.length ?? 0 });
          return { id: `${a.name}_id`, state: a.inputs as Record<string, unknown> };
        },
        call: (a) => {
          throw new Error(`unmocked invoke ${a.token}`);
        },
      },
      "runner-fleet",
      "dev",
    );
    const p = new Parent("probe");
    // Resolves: the transform did not hang registration.
    expect(await valueOf(p.child.size)).toBe(1);
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

    const child = seen.find((s) => s.type === "probe:index:Thing")!;
    expect(child.transforms).toBe(1);
    // Not executed by the mock runtime: the input is as written, not the transform's 99.
    expect(child.inputs["size"]).toBe(1);
    // MockResourceArgs still carries no parent; the URN is the only place it shows.
    expect(Object.keys(child)).not.toContain("parent");
    const urn = await valueOf(p.child.urn);
    expect(urn).toContain("runner-fleet:test:Parent$probe:index:Thing::probe-child");
    // The secret arrives as an RPC secret envelope on its own top-level property.
    expect(pulumi.runtime.isRpcSecret(child.inputs["note"])).toBe(true);
    expect(pulumi.runtime.unwrapRpcSecret(child.inputs["note"])).toBe("hidden");
  });
});
