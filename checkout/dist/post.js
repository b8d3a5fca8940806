// Generated from checkout/src by `npm run build:checkout`; do not edit.
"use strict";

// src/post.ts
var import_node_fs7 = require("node:fs");

// src/fsutil.ts
var import_node_fs = require("node:fs");
var import_node_path = require("node:path");

// src/runner.ts
var import_node_os = require("node:os");
function state(name) {
  return process.env[`STATE_${name}`] ?? "";
}
var escapeData = (s) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
var secrets = /* @__PURE__ */ new Set();
function addMask(value) {
  if (!value) return;
  secrets.add(value);
  process.stdout.write(`::add-mask::${escapeData(value)}${import_node_os.EOL}`);
}
function redact(text) {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}
var info = (msg) => void process.stdout.write(`${redact(msg)}${import_node_os.EOL}`);
var warning = (msg) => void process.stdout.write(`::warning::${escapeData(redact(msg))}${import_node_os.EOL}`);
var error = (msg) => void process.stdout.write(`::error::${escapeData(redact(msg))}${import_node_os.EOL}`);
var Refusal = class extends Error {
};
function run(entry) {
  entry().then(
    () => void 0,
    (e) => {
      error(e instanceof Refusal ? e.message : e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    }
  );
}

// src/fsutil.ts
function exists(p) {
  try {
    (0, import_node_fs.lstatSync)(p);
    return true;
  } catch {
    return false;
  }
}
function privateDir(dir, setting) {
  (0, import_node_fs.mkdirSync)(dir, { recursive: true, mode: 448 });
  const st = (0, import_node_fs.statSync)(dir);
  const uid = process.getuid?.();
  if (uid !== void 0 && st.uid !== uid) throw new Refusal(`${setting}: ${dir} belongs to uid ${st.uid}, not to this job's uid ${uid}; refusing a mirror another user can change`);
  if ((st.mode & 18) !== 0) throw new Refusal(`${setting}: ${dir} is writable by group or others (mode ${(st.mode & 511).toString(8)}); refusing a mirror another user can change`);
}
function removeTree(p) {
  try {
    (0, import_node_fs.rmSync)(p, { recursive: true, force: true });
    return;
  } catch {
    makeWritable(p);
  }
  (0, import_node_fs.rmSync)(p, { recursive: true, force: true });
}
function makeWritable(p) {
  let st;
  try {
    st = (0, import_node_fs.lstatSync)(p);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  try {
    (0, import_node_fs.chmodSync)(p, 448);
  } catch {
    return;
  }
  for (const e of (0, import_node_fs.readdirSync)(p)) makeWritable((0, import_node_path.join)(p, e));
}
function emptyDir(dir) {
  const st = (0, import_node_fs.lstatSync)(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    removeTree(dir);
    (0, import_node_fs.mkdirSync)(dir, { recursive: true });
    return;
  }
  let entries;
  try {
    entries = (0, import_node_fs.readdirSync)(dir);
  } catch {
    (0, import_node_fs.chmodSync)(dir, st.mode & 511 | 448);
    entries = (0, import_node_fs.readdirSync)(dir);
  }
  for (const e of entries) removeTree((0, import_node_path.join)(dir, e));
}

// src/park.ts
var import_node_crypto = require("node:crypto");
var import_node_fs3 = require("node:fs");
var import_node_path3 = require("node:path");

// src/git.ts
var import_node_child_process = require("node:child_process");
var KEPT = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|RUNNER_TEMP|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY|SSL_CERT_(FILE|DIR)|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|GIT_LFS_SKIP_SMUDGE)$/;
var HARDENED = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_ATTR_NOSYSTEM: "1",
  GIT_NO_REPLACE_OBJECTS: "1",
  // A job never answers a prompt; without these a missing credential hangs the job.
  GIT_TERMINAL_PROMPT: "0",
  GCM_INTERACTIVE: "never",
  GIT_ASKPASS: "true",
  SSH_ASKPASS: "true"
};
function authHeader(token) {
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  addMask(basic);
  return `AUTHORIZATION: basic ${basic}`;
}
function gitEnv(base, opts) {
  const env = {};
  for (const [k, v] of Object.entries(base)) if (v !== void 0 && KEPT.test(k)) env[k] = v;
  Object.assign(env, HARDENED);
  Object.assign(env, opts.env ?? {});
  if (opts.auth && opts.auth.token) {
    const n = /^\d+$/.test(env.GIT_CONFIG_COUNT ?? "") ? Number(env.GIT_CONFIG_COUNT) : 0;
    env[`GIT_CONFIG_KEY_${n}`] = `http.${opts.auth.serverUrl.replace(/\/+$/, "")}/.extraheader`;
    env[`GIT_CONFIG_VALUE_${n}`] = authHeader(opts.auth.token);
    env.GIT_CONFIG_COUNT = String(n + 1);
  }
  return env;
}
var SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.useReplaceRefs=false", "-c", "transfer.fsckObjects=true"];
function git(args, opts = {}) {
  return new Promise((resolveP, reject) => {
    const child = (0, import_node_child_process.spawn)("git", [...SAFE, ...args], { cwd: opts.cwd, env: gitEnv(process.env, opts), stdio: [opts.input === void 0 ? "ignore" : "pipe", "pipe", "pipe"] });
    if (opts.input !== void 0) {
      child.stdin?.on("error", () => void 0);
      child.stdin?.end(opts.input);
    }
    const out = [];
    const err = [];
    child.stdout?.on("data", (b) => out.push(b));
    child.stderr?.on("data", (b) => {
      err.push(b);
      if (opts.echo) process.stdout.write(redact(b.toString("utf8")));
    });
    child.on("error", (e) => reject(new Error(`cannot run git: ${e.message}`)));
    child.on("close", (code) => resolveP({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}
async function gitOk(args, opts = {}) {
  const r = await git(args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (exit ${r.code}): ${redact(r.stderr.trim())}`);
  return r.stdout;
}

// src/mirror.ts
var import_node_fs2 = require("node:fs");
var import_node_path2 = require("node:path");
var JOB_REFS = "refs/runner-fleet/jobs/";
var LAST_USE = "runner-fleet-last-use";
var JOB_RECORDS = "runner-fleet-jobs";
var PIN_GRACE_MS = 60 * 60 * 1e3;
function mirrorRoot(cacheDir) {
  return (0, import_node_path2.join)(cacheDir, "git-mirrors");
}
function lastUseFile(dir) {
  return (0, import_node_path2.join)(dir, LAST_USE);
}
function touchLastUse(dir) {
  (0, import_node_fs2.writeFileSync)(lastUseFile(dir), `${(/* @__PURE__ */ new Date()).toISOString()}
`);
}
async function unpin(dir, key) {
  await git(["-C", dir, "update-ref", "-d", `${JOB_REFS}${key}`]);
  (0, import_node_fs2.rmSync)((0, import_node_path2.join)(dir, JOB_RECORDS, key), { force: true });
}
function realpath(p) {
  try {
    return (0, import_node_fs2.realpathSync)(p);
  } catch {
    return p;
  }
}
async function liveWorktrees(dir) {
  await git(["-C", dir, "worktree", "prune"]);
  const out = await gitOk(["-C", dir, "worktree", "list", "--porcelain", "-z"]);
  const paths = out.split("\0").filter((l) => l.startsWith("worktree ")).map((l) => l.slice(9));
  return new Set(paths.filter((p) => p !== dir));
}
async function sweepJobRefs(dir) {
  const live = await liveWorktrees(dir);
  const refs = (await gitOk(["-C", dir, "for-each-ref", "--format=%(refname)", JOB_REFS])).split("\n").filter(Boolean);
  for (const ref of refs) {
    const key = ref.slice(JOB_REFS.length);
    let rec = {};
    try {
      rec = JSON.parse((0, import_node_fs2.readFileSync)((0, import_node_path2.join)(dir, JOB_RECORDS, key), "utf8"));
    } catch {
    }
    const young = typeof rec.created === "number" && Date.now() - rec.created < PIN_GRACE_MS;
    if (!(rec.path && live.has(realpath(rec.path))) && !young) await unpin(dir, key);
  }
}

// src/park.ts
function parkDir(mirrorDir) {
  return `${mirrorDir}.parked`;
}
function isParked(mirrorDir, path) {
  return realpath(path).startsWith(`${realpath(parkDir(mirrorDir))}/`);
}
async function isOurs(mirrorDir, path) {
  const r = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-common-dir"]);
  return r.code === 0 && realpath(r.stdout.trim()) === realpath(mirrorDir);
}
async function reset(mirrorDir, path, sha) {
  const admin = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-dir"]);
  if (admin.code !== 0) return false;
  (0, import_node_fs3.rmSync)((0, import_node_path3.join)(admin.stdout.trim(), "config.worktree"), { force: true });
  const steps = [
    ["-C", path, "checkout", "--force", "--detach", "--quiet", ...sha ? [sha] : []],
    ["-C", path, "clean", "-ffdxq"]
  ];
  for (const args of steps) {
    const r = await git(args, { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
    if (r.code !== 0) {
      warning(`git ${args.slice(2).join(" ")} in ${path} failed: ${r.stderr.trim()}`);
      return false;
    }
  }
  return isOurs(mirrorDir, path);
}
async function readyToPark(mirrorDir, path) {
  return exists(path) && await isOurs(mirrorDir, path) && await reset(mirrorDir, path);
}
async function parkWorktree(mirrorDir, path, keep) {
  const dir = parkDir(mirrorDir);
  privateDir(dir, "RUNNER_FLEET_CACHE_DIR");
  if ((0, import_node_fs3.readdirSync)(dir).length >= keep) return false;
  const name = `${Date.now().toString().padStart(15, "0")}-${(0, import_node_crypto.randomUUID)()}`;
  const r = await git(["-C", mirrorDir, "worktree", "move", path, (0, import_node_path3.join)(dir, name)]);
  if (r.code !== 0) {
    info(`not parking the worktree: ${r.stderr.trim()}`);
    return false;
  }
  return true;
}

// src/cleanup.ts
var import_node_fs4 = require("node:fs");
var import_node_path4 = require("node:path");

// src/lock.ts
var import_node_child_process2 = require("node:child_process");
var LockUnavailable = class extends Error {
};
var LockTimeout = class extends Error {
};
var TIMED_OUT = 75;
async function withLock(file, waitSeconds, fn) {
  const wait = waitSeconds > 0 ? ["-w", String(waitSeconds)] : ["-n"];
  const child = (0, import_node_child_process2.spawn)("flock", [...wait, "-E", String(TIMED_OUT), file, "sh", "-c", "echo locked && exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise((res) => child.on("close", (code) => res(code ?? 1)));
  child.stdin.on("error", () => void 0);
  let stderr = "";
  child.stderr.on("data", (b) => stderr += b.toString("utf8"));
  const acquired = await new Promise((res, rej) => {
    let out = "";
    child.on(
      "error",
      (e) => rej(e.code === "ENOENT" ? new LockUnavailable("flock(1) is not installed (Debian/Ubuntu: util-linux)") : e)
    );
    child.stdout.on("data", (b) => {
      out += b.toString("utf8");
      if (out.includes("locked\n")) res(true);
    });
    void exited.then((code) => {
      if (code === TIMED_OUT) res(false);
      else rej(new Error(`flock ${file} exited ${code}: ${stderr.trim()}`));
    });
  });
  if (!acquired) throw new LockTimeout(`lock ${file} still held by another job after ${waitSeconds} s`);
  try {
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}

// src/cleanup.ts
var DAY_MS = 24 * 60 * 60 * 1e3;
function subdirs(dir) {
  try {
    return (0, import_node_fs4.readdirSync)(dir).map((e) => (0, import_node_path4.join)(dir, e)).filter((p) => (0, import_node_fs4.lstatSync)(p).isDirectory());
  } catch {
    return [];
  }
}
function lastUse(dir) {
  try {
    return (0, import_node_fs4.statSync)(lastUseFile(dir)).mtimeMs;
  } catch {
    return (0, import_node_fs4.statSync)(dir).mtimeMs;
  }
}
async function removeOldMirrors(cacheDir, maxAgeDays, keep) {
  if (maxAgeDays === 0) return [];
  const removed = [];
  const tooOld = (dir) => Date.now() - lastUse(dir) > maxAgeDays * DAY_MS;
  for (const host of subdirs(mirrorRoot(cacheDir))) {
    for (const owner of subdirs(host)) {
      for (const dir of subdirs(owner).filter((d) => d.endsWith(".git") && d !== keep)) {
        if (!tooOld(dir)) continue;
        try {
          await withLock(`${dir}.lock`, 0, async () => {
            if (!exists(dir) || !tooOld(dir)) return;
            let inUse = false;
            try {
              inUse = exists((0, import_node_path4.join)(dir, "HEAD")) && [...await liveWorktrees(dir)].some((w) => !isParked(dir, w));
            } catch {
            }
            if (inUse) return;
            removeTree(parkDir(dir));
            removeTree(dir);
            removed.push(dir);
          });
        } catch (e) {
          if (!(e instanceof LockTimeout)) throw e;
        }
      }
    }
  }
  return removed;
}

// src/owned.ts
var import_node_crypto2 = require("node:crypto");
var import_node_fs5 = require("node:fs");
var import_node_path5 = require("node:path");
function isRealDir(p) {
  try {
    return (0, import_node_fs5.lstatSync)(p).isDirectory();
  } catch {
    return false;
  }
}
function shelveOrRemove(path, workspace, shelf, keep) {
  process.chdir("/");
  let shelved = false;
  if (shelf && keep > 0 && isRealDir(path)) {
    privateDir(shelf, "RUNNER_FLEET_CACHE_DIR");
    if ((0, import_node_fs5.readdirSync)(shelf).length < keep) {
      removeTree((0, import_node_path5.join)(path, ".git"));
      try {
        (0, import_node_fs5.renameSync)(path, (0, import_node_path5.join)(shelf, `${Date.now().toString().padStart(15, "0")}-${(0, import_node_crypto2.randomUUID)()}`));
        shelved = true;
      } catch (e) {
        info(`not shelving the tree: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  if (!shelved && exists(path)) {
    if (path === workspace && isRealDir(path)) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) (0, import_node_fs5.mkdirSync)(path, { recursive: true });
  return shelved ? `shelved the tree from ${path} for the next job on this slot` : `removed the checkout at ${path}`;
}

// src/worktree.ts
var import_node_fs6 = require("node:fs");
async function removeWorktree(mirrorDir, path, workspace) {
  if (exists(mirrorDir)) await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists(path)) {
    if (path === workspace) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) (0, import_node_fs6.mkdirSync)(path, { recursive: true });
  if (exists(mirrorDir)) await gitOk(["-C", mirrorDir, "worktree", "prune"]);
}

// src/post.ts
run(async () => {
  if (state("mode") === "owned") {
    const path2 = state("path");
    if (!path2) throw new Error("the main step saved no path: nothing to clean up safely");
    info(shelveOrRemove(path2, state("workspace"), state("shelf"), Number(state("keep")) || 0));
    return;
  }
  if (state("mode") !== "worktree") {
    info("no worktree to remove");
    return;
  }
  const dir = state("mirror");
  const path = state("path");
  const key = state("key");
  if (!dir || !path || !key) throw new Error("the main step saved no mirror, path or key: nothing to clean up safely");
  const workspace = state("workspace");
  const lockTimeout = Number(state("lockTimeoutSeconds")) || 600;
  const keep = Number(state("keep")) || 0;
  process.chdir(state("cacheDir"));
  let parked = false;
  if (keep > 0 && exists(dir) && await readyToPark(dir, path)) {
    parked = await withLock(state("lock"), lockTimeout, async () => exists(dir) && parkWorktree(dir, path, keep));
  }
  if (parked) {
    (0, import_node_fs7.mkdirSync)(workspace, { recursive: true });
    info(`parked the worktree from ${path} for the next job on this cache`);
  } else {
    await removeWorktree(dir, path, workspace);
    info(`removed the worktree at ${path}`);
  }
  await withLock(state("lock"), lockTimeout, async () => {
    if (!exists(dir)) return;
    await unpin(dir, key);
    await sweepJobRefs(dir);
    touchLastUse(dir);
  });
  for (const old of await removeOldMirrors(state("cacheDir"), Number(state("maxAgeDays")), dir)) info(`removed ${old}: unused for more than ${state("maxAgeDays")} days`);
});
