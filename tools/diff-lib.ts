import type { RenderDocument } from "./render-format";

export interface InputChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceDiff {
  added: { type: string; name: string; parent: string | null }[];
  removed: { type: string; name: string; parent: string | null }[];
  changed: { type: string; name: string; changes: InputChange[] }[];
  /** Resources that kept their identity through an alias: no delete, no create. */
  renamed: { from: string; to: string }[];
  outputs: InputChange[];
}

const keyOf = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** Leaf-by-leaf differences between two JSON values, as `a.b[2].c` paths. Secrets arrive masked. */
export function diffValues(before: unknown, after: unknown, path = ""): InputChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: InputChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) out.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || "(value)", before, after }];
}

/** What would change between two offline renders, resource by resource and input by input. */
export function diffRenders(base: RenderDocument | undefined, head: RenderDocument): ResourceDiff {
  const before = new Map((base?.resources ?? []).map((r) => [keyOf(r), r]));
  const after = new Map(head.resources.map((r) => [keyOf(r), r]));
  const diff: ResourceDiff = { added: [], removed: [], changed: [], renamed: [], outputs: diffValues(base?.outputs ?? {}, head.outputs) };
  const adopted = new Set<string>();
  for (const [k, r] of after) {
    let b = before.get(k);
    if (!b) {
      const alias = (r.aliases ?? []).find((a) => before.has(a) && !after.has(a));
      if (alias) {
        b = before.get(alias)!;
        adopted.add(alias);
        diff.renamed.push({ from: alias, to: k });
      }
    }
    if (!b) diff.added.push({ type: r.type, name: r.name, parent: r.parent });
    else {
      const changes = [...diffValues(b.inputs, r.inputs), ...(b.parent !== r.parent ? [{ path: "(parent)", before: b.parent, after: r.parent }] : [])];
      if (changes.length > 0) diff.changed.push({ type: r.type, name: r.name, changes });
    }
  }
  for (const [k, r] of before) if (!after.has(k) && !adopted.has(k)) diff.removed.push({ type: r.type, name: r.name, parent: r.parent });
  return diff;
}

const show = (v: unknown) => {
  const s = v === undefined ? "(unset)" : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** Markdown for a PR comment or a job summary. */
export function formatDiff(stack: string, base: string, d: ResourceDiff): string {
  const lines = [`### runner-fleet: \`${stack}\` (offline desired-state diff against \`${base}\`)`, ""];
  if (d.added.length + d.removed.length + d.changed.length + d.renamed.length === 0 && d.outputs.length === 0) return [...lines, "No changes."].join("\n");
  lines.push(`${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove.`, "", "```diff");
  for (const r of d.added) lines.push(`+ ${r.type}  ${r.name}${r.parent ? `  (in ${r.parent})` : ""}`);
  for (const r of d.removed) lines.push(`- ${r.type}  ${r.name}${r.parent ? `  (in ${r.parent})` : ""}`);
  for (const r of d.renamed) lines.push(`= ${r.from} is now ${r.to} (alias: adopted, not replaced)`);
  for (const r of d.changed) {
    lines.push(`~ ${r.type}  ${r.name}`);
    for (const c of r.changes) lines.push(`~     ${c.path}: ${show(c.before)} => ${show(c.after)}`);
  }
  for (const c of d.outputs) lines.push(`~ output ${c.path}: ${show(c.before)} => ${show(c.after)}`);
  lines.push("```");
  return lines.join("\n");
}
