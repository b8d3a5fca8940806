import { stackOfFile } from "./stack-file";

/** Files whose change cannot affect any stack's desired state. */
const INERT = [/^README\.md$/, /\.md$/, /^test\//, /^\.github\//, /^\.ci\//, /^\.gitignore$/, /^stacks\/.*\.yaml$/, /^stacks\/esc\//];

/**
 * Which stacks a change touches: a stack file → that stack; code, dependencies or the project file →
 * every stack; docs and tests → none.
 */
export function changedStacks(changedFiles: string[], stacks: string[]): string[] {
  const touched = new Set<string>();
  for (const f of changedFiles) {
    const stack = stackOfFile(f);
    if (stack !== undefined) {
      if (stacks.includes(stack)) touched.add(stack);
      continue;
    }
    if (INERT.some((re) => re.test(f))) continue;
    return [...stacks].sort();
  }
  return [...touched].sort();
}
