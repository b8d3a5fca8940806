import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../config/errors";
import { parseStackConfig } from "../config/load";
import { checkWorkflow, failed, formatReport, targetsOf, type Target } from "./routing-check";
import { listStacks, readStackFile, stackFileSource } from "./stack-file";

const USAGE = "usage: npm run check-workflows -- <workflows dir> [--stack name]…";

function main(): number {
  const args = process.argv.slice(2);
  const stacks: string[] = [];
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--stack") stacks.push(args[++i] ?? "");
    else if (dir === undefined) dir = args[i];
    else throw new Error(USAGE);
  }
  if (!dir) throw new Error(USAGE);
  const all = stacks.length > 0 ? stacks : listStacks(".");
  const targets: Target[] = [];
  for (const stack of all) {
    const cfg = parseStackConfig(stackFileSource(readStackFile(".", stack)));
    targets.push(...targetsOf(stack, cfg));
  }
  let failures = 0;
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) {
    for (const report of checkWorkflow(f, parse(readFileSync(join(dir, f), "utf8")), targets)) {
      for (const line of formatReport(report)) console.log(line);
      if (failed(report)) failures++;
    }
  }
  console.log(`${files.length} workflows against ${targets.length} runner targets of ${all.join(", ")}: ${failures} job(s) would not route`);
  return failures > 0 ? 1 : 0;
}

try {
  process.exit(main());
} catch (e) {
  if (ConfigError.isConfigError(e)) for (const l of e.lines) console.error(l);
  else console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
