import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { COMPONENT_TYPES } from "../../components/types";
import { canaries, renderRealStack } from "../helpers/render";

const FLEET = COMPONENT_TYPES.RunnerFleet;

interface Registered {
  resource: pulumi.Resource;
  type: string;
  name: string;
  parent: pulumi.Resource | undefined;
  aliases: pulumi.Alias[];
}

/** Renders a committed stack and records every registration: type, name, parent and aliases. */
async function registrations(stack: string): Promise<Registered[]> {
  const seen: Registered[] = [];
  await renderRealStack(stack, canaries(), undefined, (t) => {
    const aliases = (t.opts.aliases ?? []).filter((a): a is pulumi.Alias => typeof a === "object" && a !== null && !pulumi.Output.isInstance(a));
    seen.push({ resource: t.resource, type: t.type, name: t.name, parent: t.opts.parent, aliases });
  });
  return seen;
}

/**
 * The URN the engine gives each resource, and the URN it adopts it from through aliases, by the
 * engine's rules (pulumi/pulumi pkg/resource/deploy/step_generator.go, generateAliases and
 * inheritedChildAlias): a URN's type is its ancestors' types and its own joined by "$"; a
 * resource's own alias `{ parent: rootStackResource }` names the URN it had at the stack's root;
 * a resource without aliases of its own is looked up under the URN its parent was adopted from.
 */
function identities(regs: Registered[]): { urn: string; adoptedFrom: string }[] {
  const byResource = new Map(regs.map((r) => [r.resource, r]));
  const qualified = (r: Registered): string => (r.parent && byResource.has(r.parent) ? `${qualified(byResource.get(r.parent)!)}$${r.type}` : r.type);
  const old = new Map<Registered, string>();
  const oldQualified = (r: Registered): string => {
    const own = r.aliases.find((a) => "parent" in a && (a.parent === undefined || !byResource.has(a.parent as pulumi.Resource)));
    if (own) return r.type;
    return r.parent && byResource.has(r.parent) ? `${oldQualified(byResource.get(r.parent)!)}$${r.type}` : r.type;
  };
  for (const r of regs) old.set(r, oldQualified(r));
  return regs.map((r) => ({ urn: `${qualified(r)}::${r.name}`, adoptedFrom: `${old.get(r)}::${r.name}` }));
}

// Stacks deployed before the component package registered the fleet's parts at the stack's root.
// Under RunnerFleet each of them, and everything below it, must be adopted from that identity,
// or `pulumi up` would replace the whole fleet.
describe.each(["dev", "prod"])("stack %s under the RunnerFleet component", (stack) => {
  it("every resource below RunnerFleet is adopted from its URN at the stack's root", async () => {
    const ids = identities(await registrations(stack));
    const moved = ids.filter((i) => i.urn.startsWith(`${FLEET}$`));
    expect(moved.length).toBeGreaterThan(stack === "prod" ? 100 : 10);
    for (const i of moved) expect(i.adoptedFrom, i.urn).toBe(i.urn.slice(`${FLEET}$`.length));
    // The pre-package identities stay distinct, so no two resources claim one deployed resource.
    expect(new Set(moved.map((i) => i.adoptedFrom)).size).toBe(moved.length);
    expect(ids.map((i) => i.urn)).toContain(`${FLEET}::fleet`);
  });
});
