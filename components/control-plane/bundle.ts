import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync, version as esbuildVersion } from "esbuild";

export interface ControlPlaneBundle {
  code: string;
  sha256: string;
}

const ROOT = join(__dirname, "../..");
export const CONTROL_PLANE_ENTRY = join(ROOT, "control-plane/handler.ts");
const CACHE_DIR = join(ROOT, "node_modules/.cache/runner-fleet");
/** The Lambda runtime the functions run on; the bundle targets its Node. */
export const LAMBDA_RUNTIME = "nodejs24.x";
/** Lambda loads index.js from the archive and calls its `handler` export. */
export const LAMBDA_HANDLER = "index.handler";

// preserveSymlinks: paths esbuild writes into the bundle stay those under this checkout, so a checkout whose
// node_modules is a link (npm run diff's worktree) builds the same bytes and the same code hash.
const BUILD = { bundle: true, platform: "node", target: "node24", format: "cjs", legalComments: "none", minify: false, preserveSymlinks: true } as const;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? tsFiles(p) : f.endsWith(".ts") ? [p] : [];
    });
}

/** Changes whenever the control plane's or the protocol's sources, the locked libraries or the bundler do. */
function sourceKey(entry: string): string {
  const h = createHash("sha256").update(esbuildVersion).update(JSON.stringify(BUILD)).update(entry).update(readFileSync(entry));
  // npm never packs package-lock.json: a consumer of the component package has none here.
  const lock = join(ROOT, "package-lock.json");
  for (const f of [...tsFiles(join(ROOT, "control-plane")), ...tsFiles(join(ROOT, "protocol")), ...(existsSync(lock) ? [lock] : [])]) h.update(f.slice(ROOT.length)).update(readFileSync(f));
  return h.digest("hex").slice(0, 32);
}

const cached = new Map<string, ControlPlaneBundle>();

/**
 * control-plane/handler.ts and everything it imports as one CommonJS file for the Lambda runtime.
 * Deterministic, so the function's code hash changes only when the control plane does; cached in
 * node_modules/.cache by a hash of the sources.
 */
export function controlPlaneBundle(entry: string = CONTROL_PLANE_ENTRY): ControlPlaneBundle {
  const hit = cached.get(entry);
  if (hit) return hit;
  if (!existsSync(entry)) {
    throw new Error(`the control plane's entry ${entry} does not exist: host pools need it (it exports the Lambda handler)`);
  }
  const file = join(CACHE_DIR, `control-plane-${sourceKey(entry)}.js`);
  let code: string;
  if (existsSync(file)) code = readFileSync(file, "utf8");
  else {
    // The working dir fixes the path comments esbuild writes, so the bytes do not depend on the cwd.
    const out = buildSync({ ...BUILD, absWorkingDir: ROOT, entryPoints: [entry], write: false, logLevel: "silent" });
    code = out.outputFiles[0]!.text;
    try {
      mkdirSync(CACHE_DIR, { recursive: true });
      writeFileSync(file, code);
    } catch {
      // A read-only checkout bundles every time.
    }
  }
  const bundle = { code, sha256: createHash("sha256").update(code).digest("hex") };
  cached.set(entry, bundle);
  return bundle;
}
