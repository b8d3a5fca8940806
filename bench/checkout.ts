import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { GitKeeper } from "../host/agent/git-keeper";
import { serveGit } from "../test/helpers/git-http";
import { runStep, type Job } from "../test/checkout/runner";

/**
 * `npm run bench:checkout`: a fresh clone against a warm worktree checkout of a new commit, both by
 * the bundled action (checkout/dist) run as the runner runs it, against Debian's git http-backend
 * on loopback (the same authenticated server the tests use). The repository is generated with
 * `git fast-import`: BENCH_FILES files (default 30,000) in a first commit, then BENCH_COMMITS
 * commits (default 3,000) touching a few files each. Each measured job checks out a commit pushed
 * just before it. Reported: median wall time of the main step (process start to exit) and bytes
 * the server sent, over BENCH_RUNS runs (default 3). On the keeper path the agent, once a job's
 * runner is gone, has the keeper check the tree the job gave back (`settle`) before the next
 * runner starts; that time is reported on its own ("between jobs"), not in the main step. Nothing
 * here is asserted. BENCH_VERBOSE=1 prints each job's log and the keeper's.
 */
const FILES = Number(process.env.BENCH_FILES ?? 30_000);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 3_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TOKEN = "ghs_benchmark_token_0123456789abcdef";

/** Deterministic text that compresses like source code does. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
const WORDS = "const let function return if else for while import export from class new this value result error config path file data item list map set get update build test check".split(" ");
function content(seed: number): string {
  const r = rng(seed);
  const lines: string[] = [];
  const n = 20 + Math.floor(r() * 40);
  for (let i = 0; i < n; i++) {
    const k = 3 + Math.floor(r() * 8);
    const words: string[] = [];
    for (let j = 0; j < k; j++) words.push(WORDS[Math.floor(r() * WORDS.length)]!);
    lines.push(`${"  ".repeat(Math.floor(r() * 4))}${words.join(" ")} ${Math.floor(r() * 1e6)};`);
  }
  return `${lines.join("\n")}\n`;
}
const pathOf = (i: number) => `src/mod${Math.floor(i / 100)}/file${i % 100}.ts`;

async function generate(bare: string): Promise<void> {
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  const fi = spawn("git", ["-C", bare, "fast-import", "--quiet"], { stdio: ["pipe", "inherit", "inherit"] });
  const done = new Promise<number>((res) => fi.on("close", (c) => res(c ?? 1)));
  const write = async (s: string) => {
    if (!fi.stdin.write(s)) await new Promise((r) => fi.stdin.once("drain", r));
  };
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const t0 = 1_700_000_000;
  const r = rng(42);
  for (let c = 0; c < COMMITS; c++) {
    await write(`commit refs/heads/main\nmark :${c + 1}\ncommitter Bench <bench@example.com> ${t0 + c * 60} +0000\n${data(`commit ${c}`)}`);
    if (c > 0) await write(`from :${c}\n`);
    if (c === 0) for (let i = 0; i < FILES; i++) await write(`M 100644 inline ${pathOf(i)}\n${data(content(i + 1))}`);
    else for (let k = 0; k < 3; k++) await write(`M 100644 inline ${pathOf(Math.floor(r() * FILES))}\n${data(content(FILES + c * 3 + k))}`);
  }
  fi.stdin.end();
  if ((await done) !== 0) throw new Error("git fast-import failed");
  // Packed with bitmaps, as a hosting service keeps a repository it serves.
  execFileSync("git", ["-C", bare, "repack", "-a", "-d", "-b", "--quiet"]);
}

/** A new commit on main, pushed the way a developer would (here: written straight into the served repository). */
let pushes = 0;
function pushNewCommit(bare: string): string {
  pushes++;
  const env = { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@example.com", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@example.com" };
  const blob = execFileSync("git", ["-C", bare, "hash-object", "-w", "--stdin"], { input: content(10_000_000 + pushes), env }).toString().trim();
  const idx = join(tmpdir(), `bench-index-${process.pid}`);
  const genv = { ...env, GIT_INDEX_FILE: idx };
  execFileSync("git", ["-C", bare, "read-tree", "main"], { env: genv });
  execFileSync("git", ["-C", bare, "update-index", "--add", "--cacheinfo", `100644,${blob},${pathOf(pushes % FILES)}`], { env: genv });
  const tree = execFileSync("git", ["-C", bare, "write-tree"], { env: genv }).toString().trim();
  rmSync(idx, { force: true });
  const sha = execFileSync("git", ["-C", bare, "commit-tree", tree, "-p", "main", "-m", `push ${pushes}`], { env }).toString().trim();
  execFileSync("git", ["-C", bare, "update-ref", "refs/heads/main", sha]);
  return sha;
}

/** No cache, the worktree cache (ARC), the keeper (EC2 slots), the keeper with fetch-depth 0. */
type Path = boolean | "keeper" | "keeper-all";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (b: number) => (b / 1048576).toFixed(2);
const size = (b: number) => (b >= 1048576 ? `${mib(b)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "bench-checkout-"));
  const root = join(tmp, "srv");
  const bare = join(root, "acme", "big");
  let t = Date.now();
  await generate(bare);
  const genSeconds = (Date.now() - t) / 1000;
  const server = await serveGit(root, TOKEN);
  const cache = join(tmp, "cache");
  // The EC2 path: the host's git keeper (here in this process, as root or not) behind a socket.
  const keeper = new GitKeeper({ servers: [server.url], log: process.env.BENCH_VERBOSE ? (m, f) => console.error(`keeper ${m} ${JSON.stringify(f)}`) : undefined });
  const socket = join(tmp, "slot", "git.sock");
  const slotCache = join(tmp, "slot-cache");
  mkdirSync(slotCache, { mode: 0o700 });
  await keeper.serve(socket, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }, join(tmp, "slot", "git-mirror"), { root: join(tmp, "slot", "git-trees"), cache: slotCache });
  let n = 0;
  const job = (sha: string, path: Path): Job => {
    const withCache = path === "keeper-all" ? "keeper" : path;
    const workspace = join(tmp, "runners", String(++n), "_work", "big", "big");
    mkdirSync(workspace, { recursive: true });
    return {
      workspace,
      github: { repository: "acme/big", sha, ref: "refs/heads/main", token: TOKEN, server_url: server.url },
      env: withCache === "keeper" ? { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: tmp, RUNNER_FLEET_CACHE_DIR: slotCache, RUNNER_FLEET_GIT_SOCKET: socket } : { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: tmp, RUNNER_FLEET_CACHE_DIR: withCache ? cache : "" },
      with: path === "keeper-all" ? { "fetch-depth": "0" } : {},
    };
  };
  /** Runs main (measured) and post (measured separately) for one job on a freshly pushed commit. */
  const measure = async (withCache: Path) => {
    const sha = pushNewCommit(bare);
    const j = job(sha, withCache);
    const bytes0 = server.stats().bytesOut;
    t = performance.now();
    const m = await runStep("main", j);
    const ms = performance.now() - t;
    const bytes = server.stats().bytesOut - bytes0;
    if (m.code !== 0 || m.outputs.commit !== sha) throw new Error(`checkout failed: ${m.raw}`);
    if (process.env.BENCH_VERBOSE) console.error(m.raw);
    t = performance.now();
    const p = await runStep("post", j, m.state);
    const postMs = performance.now() - t;
    if (p.code !== 0) throw new Error(`post failed: ${p.raw}`);
    rmSync(j.workspace, { recursive: true, force: true });
    // The agent's call before the slot's next runner (host/agent/slot.ts): root checks the tree.
    t = performance.now();
    const onKeeper = withCache === "keeper" || withCache === "keeper-all";
    if (onKeeper) await keeper.settle(socket);
    const settleMs = onKeeper ? performance.now() - t : undefined;
    return { ms, bytes, postMs, settleMs };
  };

  const repeat = async (times: number, withCache: Path) => {
    const out = [];
    for (let i = 0; i < times; i++) out.push(await measure(withCache));
    return out;
  };
  const load0 = loadavg();
  const rows: [string, { ms: number; bytes: number; postMs: number; settleMs?: number | undefined }[]][] = [];
  rows.push(["fresh clone (no cache; fetch-depth 1, as actions/checkout)", await repeat(RUNS, false)]);
  rows.push(["cold mirror (first job on an empty cache)", await repeat(1, true)]);
  rows.push(["warm worktree of a new commit", await repeat(RUNS, true)]);
  rows.push(["keeper: cold (first job on the slot)", await repeat(1, "keeper")]);
  rows.push(["keeper: shelved tree (checked by root between jobs), new commit read over", await repeat(RUNS, "keeper")]);
  rows.push(["keeper: the same with fetch-depth 0 (every branch and tag fetched and answered)", await repeat(RUNS, "keeper-all")]);
  await keeper.close();
  await server.close();

  const fresh = rows[0]![1];
  const [fMs, fBytes] = [median(fresh.map((r) => r.ms)), median(fresh.map((r) => r.bytes))];
  const objects = execFileSync("git", ["-C", bare, "count-objects", "-v"]).toString();
  console.log(`repository: ${FILES} files, ${COMMITS + pushes} commits, pack ${mib(Number(/size-pack: (\d+)/.exec(objects)![1]) * 1024)} MiB (generated in ${genSeconds.toFixed(0)} s)`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}, ${execFileSync("git", ["--version"]).toString().trim()}`);
  console.log(`load average (1 min) at the first measured job: ${load0[0]!.toFixed(2)}, at the end: ${loadavg()[0]!.toFixed(2)}`);
  console.log(`median of ${RUNS} runs (cold mirror: 1); time = the action's main step, process start to exit; bytes = sent by the server, HTTP included\n`);
  console.log("| checkout | main step | post step | between jobs (root) | bytes over the wire | faster than fresh | fewer bytes than fresh |");
  console.log("|---|---|---|---|---|---|---|");
  for (const [name, rs] of rows) {
    const [ms, bytes, post] = [median(rs.map((r) => r.ms)), median(rs.map((r) => r.bytes)), median(rs.map((r) => r.postMs))];
    const settles = rs.map((r) => r.settleMs).filter((x): x is number => x !== undefined);
    const between = settles.length ? `${(median(settles) / 1000).toFixed(2)} s` : "–";
    console.log(`| ${name} | ${(ms / 1000).toFixed(2)} s | ${(post / 1000).toFixed(2)} s | ${between} | ${size(bytes)} | ${(fMs / ms).toFixed(1)}× | ${(fBytes / bytes).toFixed(0)}× |`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
