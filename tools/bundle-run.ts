import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";

/**
 * Runs a tool that imports @actions/workflow-parser or @actions/expressions. Both are ESM and the
 * parser imports its JSON schema without an import attribute, which Node refuses; bundled by
 * esbuild as CommonJS it runs. @pulumi/* stays external (CommonJS already, and large).
 * usage: ts-node tools/bundle-run.ts <entry.ts> [args…]
 */
const [entry, ...args] = process.argv.slice(2);
if (!entry) throw new Error("usage: bundle-run <entry.ts> [args…]");
// Inside node_modules so the bundle resolves the external @pulumi/* packages from this checkout.
const cache = resolve(__dirname, "../node_modules/.cache");
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, "runner-fleet-tool-"));
const out = join(dir, "tool.cjs");
try {
  buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "cjs", target: "node20", outfile: out, external: ["@pulumi/*"], logLevel: "error" });
  const r = spawnSync(process.execPath, [out, ...args], { stdio: "inherit" });
  process.exitCode = r.status ?? 2;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
