import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { parseStackConfig } from "../config/load";
import { checkWorkflow, failed, formatReport, targetsOf, type Target } from "./routing-check";
import { listStacks, readStackFile, StackFileSyntaxError, stackFileSource } from "./stack-file";
import { readWorkflow } from "./workflow-read";

const USAGE = "usage: npm run check-workflows -- <workflows dir> [--stack name]… [--strict]";

/**
 * Checks every workflow with GitHub's parser, then routes each job's runs-on against the stacks'
 * scale sets as GitHub would. Runs as an esbuild bundle (tools/bundle-run.ts): the parser is ESM.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const stacks: string[] = [];
  let dir: string | undefined;
  let strict = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--stack") stacks.push(args[++i] ?? "");
    else if (args[i] === "--strict") strict = true;
    else if (dir === undefined) dir = args[i];
    else throw new Error(USAGE);
  }
  if (!dir) throw new Error(USAGE);
  const all = stacks.length > 0 ? stacks : listStacks(".");
  const targets: Target[] = [];
  let broken = 0;
  for (const stack of all) {
    // A broken stack file is named and skipped: the others still route.
    try {
      targets.push(...targetsOf(stack, parseStackConfig(stackFileSource(readStackFile(".", stack)))));
    } catch (e) {
      if (e instanceof StackFileSyntaxError) console.log(`BROKEN   ${e.line}`);
      else if (ConfigError.isConfigError(e)) for (const l of e.lines) console.log(`BROKEN   ${l}`);
      else throw e;
      broken++;
    }
  }
  let failures = 0;
  let problems = 0;
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) {
    const check = checkWorkflow(await readWorkflow(f, readFileSync(join(dir, f), "utf8")), targets);
    for (const p of check.problems) console.log(`ERROR    ${p.at}: ${p.message}`);
    problems += check.problems.length;
    for (const report of check.reports) {
      for (const line of formatReport(report)) console.log(line);
      if (failed(report, strict)) failures++;
    }
  }
  console.log(
    `${files.length} workflows against ${targets.length} scale sets of ${all.join(", ")}: ${problems} workflow error(s), ${failures} job(s) would not route${strict ? " or cannot be resolved" : ""}` +
      (broken > 0 ? `, ${broken} stack file(s) broken` : ""),
  );
  return failures + problems + broken > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
