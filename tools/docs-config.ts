import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { argsTypeScript, configMarkdown } from "./config-reference-lib";

/** Writes the configuration reference and the fleet's public args from the schema (see config-reference-lib.ts). */
export const GENERATED = { "docs/configuration.md": configMarkdown, "components/fleet/args.ts": argsTypeScript } as const;

if (require.main === module) {
  const root = join(__dirname, "..");
  for (const [file, render] of Object.entries(GENERATED)) {
    writeFileSync(join(root, file), render());
    console.log(`wrote ${file}`);
  }
}
