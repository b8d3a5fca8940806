import { execFileSync } from "node:child_process";
import { changedStacks } from "./changed-stacks-lib";
import { listStacks } from "./stack-file";

/** `npm run -s changed-stacks -- --base <ref>`: a JSON list for a workflow matrix. */
function main(): void {
  const i = process.argv.indexOf("--base");
  const base = i >= 0 ? process.argv[i + 1] : undefined;
  const stacks = listStacks(".");
  let files: string[] | undefined;
  try {
    if (base && !/^0+$/.test(base)) files = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    files = undefined; // an unknown base (first push, force push): preview everything
  }
  console.log(JSON.stringify(files === undefined ? stacks : changedStacks(files, stacks)));
}

main();
