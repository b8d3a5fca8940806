import { formatSummary, summariseFile } from "./fleet-lib";
import { toolNow } from "./clock";
import { listStacks, readStackFile } from "./stack-file";

/** `npm run fleet`: every stack of the project, validated and summarised, offline and without credentials. */
function main(): number {
  const dir = process.cwd();
  const stacks = listStacks(dir);
  let invalid = 0;
  for (const stack of stacks) {
    const summary = summariseFile(readStackFile(dir, stack), toolNow());
    if (summary.error) invalid++;
    console.log(formatSummary(summary) + "\n");
  }
  console.log(`${stacks.length} stacks, ${invalid} invalid`);
  return invalid > 0 ? 1 : 0;
}

process.exit(main());
