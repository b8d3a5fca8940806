import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "../config/errors";
import { diffRenders, formatDiff } from "./diff-lib";
import { renderDocument, type RenderDocument } from "./render-format";
import { renderStackFile } from "./render-stack-file";

const USAGE = "usage: npm run diff -- --stack <name> --base <git-ref>";

/** Renders the stack as it is at `ref`, in a throw-away worktree that shares this checkout's node_modules. */
function renderAtRef(ref: string, stack: string): RenderDocument | undefined {
  const repo = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "runner-fleet-base-"));
  execFileSync("git", ["worktree", "add", "--detach", "--quiet", dir, ref], { cwd: repo, stdio: ["ignore", "ignore", "inherit"] });
  try {
    if (!existsSync(join(dir, `Pulumi.${stack}.yaml`))) return undefined;
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
    const out = join(dir, "render.json");
    // The base's own render tool and program, so the diff is between the two versions of the code too.
    execFileSync(process.execPath, [join(repo, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(dir, "tools/render.ts"), "--stack", stack, "--json", out], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    return JSON.parse(readFileSync(out, "utf8")) as RenderDocument;
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: repo });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const get = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stack = get("--stack");
  const base = get("--base");
  if (!stack || !base) throw new Error(USAGE);
  const head = renderDocument(await renderStackFile(resolve("."), stack));
  console.log(formatDiff(stack, base, diffRenders(renderAtRef(base, stack), head)));
  return 0;
}

main().then(
  (c) => process.exit(c),
  (e: unknown) => {
    if (ConfigError.isConfigError(e)) for (const l of e.lines) console.error(l);
    else console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
