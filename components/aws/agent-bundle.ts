import { createHash } from "node:crypto";
import { buildSync } from "esbuild";
import { join } from "node:path";

export interface AgentBundle {
  code: string;
  sha256: string;
}

let cached: AgentBundle | undefined;

/**
 * The host agent as one file for the Node the runner tarball ships. Deterministic, so its
 * checksum (which hosts verify) only changes when the agent does.
 */
export function agentBundle(): AgentBundle {
  if (cached) return cached;
  const out = buildSync({
    entryPoints: [join(__dirname, "../../host/agent/main.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const code = out.outputFiles[0]!.text;
  cached = { code, sha256: createHash("sha256").update(code).digest("hex") };
  return cached;
}
