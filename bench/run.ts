import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";

/**
 * `npm run bench`: median render time of the program against a floor of the same number of bare
 * resources, their ratio, peak memory and time per resource (linearity), for 10, 100, 1,000 sets.
 * Targets: ratio ≤ 1.5, time per resource flat as the fleet grows. Nothing here is asserted.
 */
const ROOT = join(__dirname, "..");

/**
 * The measured process runs plain JavaScript: our code compiled once by esbuild, dependencies from
 * node_modules. A TypeScript loader's source-map stack rewriting would otherwise dominate both
 * program and floor (Pulumi captures a stack per promise) and measure the loader, not the program.
 */
function compileChild(): string {
  const out = join(mkdtempSync(join(tmpdir(), "bench-")), "child.js");
  buildSync({ entryPoints: [join(ROOT, "bench/child.ts")], bundle: true, platform: "node", target: "node24", format: "cjs", packages: "external", outfile: out, logLevel: "silent", absWorkingDir: ROOT,
    // Only components/aws/agent-bundle.ts reads __dirname (to find the agent's sources).
    define: { __dirname: JSON.stringify(join(ROOT, "components/aws")) } });
  return out;
}
const CHILD = compileChild();

interface Sample {
  ms: number;
  resources: number;
  maxRssMiB: number;
}

function sample(args: string[]): Sample {
  const out = execFileSync(process.execPath, ["--max-old-space-size=4096", CHILD, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") } });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const dump = join(mkdtempSync(join(tmpdir(), "bench-dump-")), "resources.json");
  const rows: string[] = [
    "| runner sets | resources | program ms | replay floor ms | ratio | bare floor ms | ratio | program ms/resource | peak RSS MiB program / replay / bare |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const n of sizes) {
    const program = Array.from({ length: runs }, (_, i) => sample(["program", String(n), ...(i === 0 ? [dump] : [])]));
    const resources = program[0]!.resources;
    const replay = Array.from({ length: runs }, () => sample(["replay", dump]));
    const bare = Array.from({ length: runs }, () => sample(["bare", String(resources)]));
    const [p, r, b] = [program, replay, bare].map((xs) => median(xs.map((s) => s.ms))) as [number, number, number];
    const rss = [program, replay, bare].map((xs) => Math.max(...xs.map((s) => s.maxRssMiB)).toFixed(0)).join(" / ");
    rows.push(`| ${n} | ${resources} | ${p.toFixed(0)} | ${r.toFixed(0)} | ${(p / r).toFixed(2)} | ${b.toFixed(0)} | ${(p / b).toFixed(2)} | ${(p / resources).toFixed(2)} | ${rss} |`);
    console.error(`done: ${n} runner sets`);
  }
  console.log(`median of ${runs} runs, each in a fresh process; time from program start to all registrations settled`);
  console.log(rows.join("\n"));
}

main();
