import { maskSecrets, type RenderResult } from "./render-lib";

/** The JSON contract other tools read: secrets as "[secret]", parents by logical name. */
export interface RenderDocument {
  stack: string;
  resources: { type: string; name: string; parent: string | null; inputs: unknown; aliases?: string[] }[];
  outputs: unknown;
}

export function renderDocument(r: RenderResult): RenderDocument {
  return {
    stack: r.stack,
    resources: r.resources.map((x) => ({ type: x.type, name: x.name, parent: x.parent, inputs: maskSecrets(x.inputs), ...(x.aliases.length > 0 ? { aliases: x.aliases } : {}) })),
    outputs: maskSecrets(r.outputs),
  };
}

/** The resource tree, indented by parent, and a count. */
export function renderTree(r: RenderResult): string {
  const children = new Map<string | null, typeof r.resources>();
  for (const x of r.resources) children.set(x.parentKey, [...(children.get(x.parentKey) ?? []), x]);
  const lines: string[] = [`stack ${r.stack}`];
  const walk = (parent: string | null, depth: number): void => {
    for (const x of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth + 1)}${x.type}  ${x.name}`);
      walk(x.key, depth + 1);
    }
  };
  walk(null, 0);
  const custom = r.resources.filter((x) => x.custom).length;
  lines.push(`${r.resources.length} resources (${custom} custom, ${r.resources.length - custom} components)`);
  return lines.join("\n");
}
