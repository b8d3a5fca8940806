import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a child of a fleet component. Stacks made before the component package registered
 * these resources at the stack's root; the alias lets Pulumi adopt them under the component (and,
 * through it, everything below them) instead of replacing them. Without a parent (a team stack
 * composing the parts itself) nothing moves and nothing is aliased.
 */
export function childOf<T extends pulumi.ResourceOptions>(parent: pulumi.Resource | undefined, opts: T): T {
  if (!parent) return opts;
  return { ...opts, parent, aliases: [...(opts.aliases ?? []), { parent: pulumi.rootStackResource }] };
}
