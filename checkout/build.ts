import { buildSync } from "esbuild";
import { join } from "node:path";

/**
 * The action ships its bundle: the runner runs dist/main.js and dist/post.js straight from the
 * repository at the ref a workflow names, with no install step. `npm run build:checkout` writes
 * them; test/checkout/dist.test.ts fails when they are stale against src/.
 */
export function buildCheckout(outdir: string): void {
  buildSync({
    entryPoints: { main: join(__dirname, "src/main.ts"), post: join(__dirname, "src/post.ts") },
    outdir,
    bundle: true,
    platform: "node",
    // node24 runs it on the runner, and the tests here.
    target: "node24",
    format: "cjs",
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
    absWorkingDir: __dirname,
    banner: { js: "// Generated from checkout/src by `npm run build:checkout`; do not edit." },
  });
}

if (require.main === module) buildCheckout(join(__dirname, "dist"));
