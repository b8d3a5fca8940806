import { formatSummary, summariseFile } from "./fleet-lib";
import { toolNow } from "./clock";
import { listStacks, readStackFile, StackFileSyntaxError } from "./stack-file";

/** `npm run fleet`: every stack of the project, validated and summarised, offline and without credentials. */
function main(): number {
  const dir = process.cwd();
  const stacks = listStacks(dir);
  let invalid = 0;
  for (const stack of stacks) {
    let file;
    try {
      file = readStackFile(dir, stack);
    } catch (e) {
      // One broken file must not hide the others: name it and go on.
      if (!(e instanceof StackFileSyntaxError)) throw e;
      invalid++;
      console.log(`${e.line}\n`);
      continue;
    }
    const summary = summariseFile(file, toolNow());
    if (summary.error) invalid++;
    console.log(formatSummary(summary) + "\n");
  }
  console.log(`${stacks.length} stacks, ${invalid} invalid`);
  return invalid > 0 ? 1 : 0;
}

process.exit(main());
