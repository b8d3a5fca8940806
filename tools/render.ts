import { writeFileSync } from "node:fs";
import { ConfigError } from "../config/errors";
import { parseStackConfig } from "../config/load";
import { runnerPins } from "../config/runner-pins";
import { unbootedOsNotes } from "../components/aws/host-packages";
import { toolNow } from "./clock";
import { readStackFile, StackFileSyntaxError, stackFileSource } from "./stack-file";
import { renderDocument, renderTree } from "./render-format";
import { renderStackFile } from "./render-stack-file";

const USAGE = "usage: npm run render -- --stack <name> [--json FILE]";

function parseArgs(argv: string[]): { stack: string; json?: string } {
  let stack: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") stack = argv[++i];
    else if (a === "--json") json = argv[++i];
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  if (!stack) throw new Error(`--stack is required\n${USAGE}`);
  return json === undefined ? { stack } : { stack, json };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const result = await renderStackFile(process.cwd(), args.stack, (n) => console.error(`note: ${n}`));
  const cfg = parseStackConfig(stackFileSource(readStackFile(process.cwd(), args.stack)));
  for (const p of runnerPins(cfg, toolNow())) console.error(`${p.warn ? "warning" : "note"}: ${p.message}`);
  for (const n of unbootedOsNotes(cfg.hostPools)) console.error(`note: ${n}`);
  console.log(renderTree(result));
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(renderDocument(result), null, 2) + "\n");
    console.log(`wrote ${args.json}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (ConfigError.isConfigError(e)) {
      for (const line of e.lines) console.error(line);
      process.exit(1);
    }
    if (e instanceof StackFileSyntaxError) {
      console.error(e.line);
      process.exit(1);
    }
    console.error(`render failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
