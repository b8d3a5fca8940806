import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync, version as esbuildVersion } from "esbuild";

export interface AgentBundle {
  code: string;
  sha256: string;
}

const AGENT_DIR = join(__dirname, "../../host/agent");
const CACHE_DIR = join(__dirname, "../../node_modules/.cache/runner-fleet");

let cached: AgentBundle | undefined;

const BUILD = { bundle: true, platform: "node", target: "node24", format: "cjs", legalComments: "none" } as const;

/** A key that changes whenever the agent's sources or the bundler do. */
function sourceKey(): string {
  const h = createHash("sha256").update(esbuildVersion).update(JSON.stringify(BUILD));
  for (const f of readdirSync(AGENT_DIR).filter((f) => f.endsWith(".ts")).sort()) h.update(f).update(readFileSync(join(AGENT_DIR, f)));
  return h.digest("hex").slice(0, 32);
}

/**
 * The host agent as one file for the Node the runner tarball ships. Deterministic, so its
 * checksum (which hosts verify) only changes when the agent does; kept in node_modules/.cache
 * by a hash of its sources, so renders after the first skip the bundler.
 */
export function agentBundle(): AgentBundle {
  if (cached) return cached;
  const file = join(CACHE_DIR, `agent-${sourceKey()}.js`);
  let code: string;
  if (existsSync(file)) code = readFileSync(file, "utf8");
  else {
    const out = buildSync({
      ...BUILD,
      entryPoints: [join(AGENT_DIR, "main.ts")],
      write: false,
      logLevel: "silent",
    });
    code = out.outputFiles[0]!.text;
    try {
      mkdirSync(CACHE_DIR, { recursive: true });
      writeFileSync(file, code);
    } catch {
      // A read-only checkout just bundles every time.
    }
  }
  cached = { code, sha256: createHash("sha256").update(code).digest("hex") };
  return cached;
}
