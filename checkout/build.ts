import { build, type Plugin } from "esbuild";
import { join } from "node:path";

/**
 * @actions/core imports its OIDC client, and with it @actions/http-client and undici (780 KB),
 * at load time; the action never asks for an OIDC token. Marked free of side effects, esbuild
 * leaves out what nothing uses, and the bundle the runner loads for every checkout shrinks from
 * 850 KB to 50 KB (about 200 ms of each step's start on a loaded 2-core machine).
 */
const unusedAtLoad: Plugin = {
  name: "unused-at-load",
  setup(b) {
    b.onResolve({ filter: /^(@actions\/http-client|undici|tunnel)(\/|$)/ }, async (a) => {
      if (a.pluginData === "resolving") return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: "resolving" });
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * The action ships its bundle: the runner runs dist/main.js and dist/post.js straight from the
 * repository at the ref a workflow names, with no install step. `npm run build:checkout` writes
 * them; test/checkout/dist.test.ts fails when they are stale against src/.
 */
export async function buildCheckout(outdir: string): Promise<void> {
  await build({
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
    plugins: [unusedAtLoad],
    banner: { js: "// Generated from checkout/src by `npm run build:checkout`; do not edit." },
  });
}

if (require.main === module) {
  buildCheckout(join(__dirname, "dist")).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
