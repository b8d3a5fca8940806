import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackOfFile } from "../../tools/stack-file";
import { REPO } from "./env";

/** Every stack file of the project and its documented examples (stacks/), copied into one directory beside Pulumi.yaml. */
export function allStackFiles(tag: string): { dir: string; stacks: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
  const stacks: string[] = [];
  for (const from of [REPO, join(REPO, "stacks")]) {
    for (const f of readdirSync(from)) {
      const stack = stackOfFile(f);
      if (f === "Pulumi.yaml" || stack) copyFileSync(join(from, f), join(dir, f));
      if (stack) stacks.push(stack);
    }
  }
  return { dir, stacks: stacks.sort() };
}
