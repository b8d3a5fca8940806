// Generated from checkout/src by `npm run build:checkout`; do not edit.
"use strict";

// src/main.ts
var import_node_crypto2 = require("node:crypto");

// src/git.ts
var import_node_child_process = require("node:child_process");

// src/runner.ts
var import_node_crypto = require("node:crypto");
var import_node_fs = require("node:fs");
var import_node_os = require("node:os");
function input(name) {
  return (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}
function fileCommand(envName, name, value) {
  const file = process.env[envName];
  if (!file) throw new Error(`${envName} is not set: this must run as a step of a GitHub Actions job`);
  const delimiter = `ghadelimiter_${(0, import_node_crypto.randomUUID)()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`${name}: value contains the delimiter`);
  (0, import_node_fs.appendFileSync)(file, `${name}<<${delimiter}${import_node_os.EOL}${value}${import_node_os.EOL}${delimiter}${import_node_os.EOL}`);
}
var saveState = (name, value) => fileCommand("GITHUB_STATE", name, value);
var setOutput = (name, value) => fileCommand("GITHUB_OUTPUT", name, value);
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
var group = (title) => void process.stdout.write(`::group::${escapeData(redact(title))}${import_node_os.EOL}`);
var endGroup = () => void process.stdout.write(`::endgroup::${import_node_os.EOL}`);
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

// src/git.ts
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

// src/extras.ts
async function requireLfs() {
  const r = await git(["lfs", "version"]).catch(() => ({ code: 1 }));
  if (r.code !== 0) throw new Refusal("input lfs: 'true' needs git-lfs, which is not installed on this runner");
}
async function submodulesAndLfs(o, worktree) {
  const auth = { serverUrl: o.serverUrl.href, token: o.token };
  if (o.submodules !== "false") {
    const recursive = o.submodules === "recursive" ? ["--recursive"] : [];
    const depth = o.fetchDepth > 0 ? ["--depth", String(o.fetchDepth)] : [];
    await gitOk(["-C", o.path, "submodule", "sync", ...recursive]);
    await gitOk(["-C", o.path, "-c", "protocol.version=2", "submodule", "update", "--init", "--force", ...depth, ...recursive], { auth, echo: true });
  }
  if (o.lfs) {
    await gitOk(["-C", o.path, "lfs", "install", worktree ? "--worktree" : "--local", "--skip-repo"]);
    await gitOk(["-C", o.path, "lfs", "pull"], { auth, echo: true });
  }
}

// src/fallback.ts
var import_node_fs3 = require("node:fs");

// src/fsutil.ts
var import_node_fs2 = require("node:fs");
var import_node_path = require("node:path");
function exists(p) {
  try {
    (0, import_node_fs2.lstatSync)(p);
    return true;
  } catch {
    return false;
  }
}
function refuseLinkedPath(workspace, path, inputPath) {
  let cur = workspace;
  for (const part of (0, import_node_path.relative)(workspace, path).split(import_node_path.sep).filter(Boolean)) {
    cur = (0, import_node_path.join)(cur, part);
    let st;
    try {
      st = (0, import_node_fs2.lstatSync)(cur);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) throw new Refusal(`input path: '${inputPath}' goes through the symlink ${cur}`);
    if (!st.isDirectory()) throw new Refusal(`input path: '${inputPath}': ${cur} is not a directory`);
  }
}
function privateDir(dir, setting) {
  (0, import_node_fs2.mkdirSync)(dir, { recursive: true, mode: 448 });
  const st = (0, import_node_fs2.statSync)(dir);
  const uid = process.getuid?.();
  if (uid !== void 0 && st.uid !== uid) throw new Refusal(`${setting}: ${dir} belongs to uid ${st.uid}, not to this job's uid ${uid}; refusing a mirror another user can change`);
  if ((st.mode & 18) !== 0) throw new Refusal(`${setting}: ${dir} is writable by group or others (mode ${(st.mode & 511).toString(8)}); refusing a mirror another user can change`);
}
function removeTree(p) {
  try {
    (0, import_node_fs2.rmSync)(p, { recursive: true, force: true });
    return;
  } catch {
    makeWritable(p);
  }
  (0, import_node_fs2.rmSync)(p, { recursive: true, force: true });
}
function makeWritable(p) {
  let st;
  try {
    st = (0, import_node_fs2.lstatSync)(p);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  try {
    (0, import_node_fs2.chmodSync)(p, 448);
  } catch {
    return;
  }
  for (const e of (0, import_node_fs2.readdirSync)(p)) makeWritable((0, import_node_path.join)(p, e));
}
function emptyDir(dir) {
  const st = (0, import_node_fs2.lstatSync)(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    removeTree(dir);
    (0, import_node_fs2.mkdirSync)(dir, { recursive: true });
    return;
  }
  let entries;
  try {
    entries = (0, import_node_fs2.readdirSync)(dir);
  } catch {
    (0, import_node_fs2.chmodSync)(dir, st.mode & 511 | 448);
    entries = (0, import_node_fs2.readdirSync)(dir);
  }
  for (const e of entries) removeTree((0, import_node_path.join)(dir, e));
}
function isEmptyDir(dir) {
  return (0, import_node_fs2.readdirSync)(dir).length === 0;
}

// src/fallback.ts
function localName(full) {
  if (full.startsWith("refs/heads/")) return `refs/remotes/origin/${full.slice(11)}`;
  if (full.startsWith("refs/tags/")) return full;
  return `refs/remotes/${full.slice(5)}`;
}
async function remoteRefs(path, auth, patterns) {
  const out = await gitOk(["-C", path, "ls-remote", "origin", ...patterns], { auth });
  return new Set(out.split("\n").map((l) => l.split("	")[1]).filter((r) => !!r));
}
async function plainCheckout(o) {
  const auth = { serverUrl: o.serverUrl.href, token: o.token };
  const label = `${o.owner}/${o.repo}`;
  if (exists(o.path) && !isEmptyDir(o.path)) {
    warning(`${o.path} is not empty: removing what an earlier job left there`);
    emptyDir(o.path);
  }
  (0, import_node_fs3.mkdirSync)(o.path, { recursive: true });
  await gitOk(["init", "--quiet", o.path]);
  await gitOk(["-C", o.path, "remote", "add", "origin", o.remoteUrl]);
  const depth = o.fetchDepth > 0 ? ["--depth", String(o.fetchDepth)] : [];
  const everything = o.fetchDepth === 0 ? ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"] : [];
  const fetch = (specs) => git(["-C", o.path, "fetch", "--no-tags", "--no-recurse-submodules", ...depth, "origin", ...specs, ...everything], { auth, echo: true });
  const has = async (sha2) => (await git(["-C", o.path, "cat-file", "-e", "--end-of-options", `${sha2}^{commit}`])).code === 0;
  let sha;
  let ref;
  const t = o.target;
  if (t.kind === "sha") {
    ref = t.ref;
    sha = t.sha;
    let ok = (await fetch([sha])).code === 0 && await has(sha);
    if (!ok && t.ref.startsWith("refs/")) ok = (await fetch([`+${t.ref}:${localName(t.ref)}`])).code === 0 && await has(sha);
    if (!ok) throw new Refusal(`input ref: commit ${sha} is not in ${label} (never pushed, or force-pushed away)`);
  } else {
    if (t.kind === "default-branch") {
      const out = await gitOk(["-C", o.path, "ls-remote", "--symref", "origin", "HEAD"], { auth });
      const hit = /^ref: (refs\/heads\/\S+)\tHEAD$/m.exec(out);
      if (!hit) throw new Refusal(`input ref: ${label} has no default branch (an empty repository?)`);
      ref = hit[1];
    } else if (t.ref.startsWith("refs/")) {
      ref = t.ref;
    } else {
      const found = await remoteRefs(o.path, auth, [`refs/heads/${t.ref}`, `refs/tags/${t.ref}`]);
      const full = [`refs/heads/${t.ref}`, `refs/tags/${t.ref}`].find((r2) => found.has(r2));
      if (!full) throw new Refusal(`input ref: '${t.ref}' is not a branch or tag of ${label} (deleted?)`);
      ref = full;
    }
    const r = await fetch([`+${ref}:${localName(ref)}`]);
    if (r.code !== 0) {
      if (/couldn't find remote ref/i.test(r.stderr)) throw new Refusal(`input ref: '${ref}' does not exist in ${label}`);
      throw new Error(`git fetch ${ref} from ${o.remoteUrl} failed: ${r.stderr.trim()}`);
    }
    sha = (await gitOk(["-C", o.path, "rev-parse", "--verify", "--end-of-options", `${localName(ref)}^{commit}`])).trim();
  }
  await gitOk(["-C", o.path, "checkout", "--quiet", "--force", "--detach", sha], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
  return { sha, ref };
}

// src/inputs.ts
var import_node_path2 = require("node:path");
var SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
var NAME = /^[A-Za-z0-9_.-]+$/;
function validRefName(ref) {
  if (ref === "" || ref === "@" || ref.startsWith("-") || ref.startsWith("/") || ref.endsWith("/") || ref.endsWith(".")) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes("..") || ref.includes("@{") || ref.includes("//")) return false;
  return ref.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}
function integer(name, value, min) {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Refusal(`input ${name}: '${value}' is not an integer ≥ ${min}`);
  return Number(value);
}
function oneOf(name, value, allowed) {
  const v = value.toLowerCase();
  const hit = allowed.find((a) => a === v);
  if (hit === void 0) throw new Refusal(`input ${name}: '${value}' is not one of ${allowed.join(", ")}`);
  return hit;
}
function parseOptions(get, env) {
  const workspace = env.GITHUB_WORKSPACE;
  if (!workspace || !(0, import_node_path2.isAbsolute)(workspace)) throw new Refusal("GITHUB_WORKSPACE is not set to an absolute path: run this as a step of a job");
  const repository = get("repository") || (env.GITHUB_REPOSITORY ?? "");
  const [owner, repo, extra] = repository.split("/");
  if (!owner || !repo || extra !== void 0 || !NAME.test(owner) || !NAME.test(repo) || [owner, repo].some((p) => p === "." || p === "..")) {
    throw new Refusal(`input repository: '${repository}' is not owner/name`);
  }
  let serverUrl;
  try {
    serverUrl = new URL(env.GITHUB_SERVER_URL || "https://github.com");
  } catch {
    throw new Refusal(`GITHUB_SERVER_URL: '${env.GITHUB_SERVER_URL}' is not a URL`);
  }
  if (!["https:", "http:", "file:"].includes(serverUrl.protocol) || serverUrl.username || serverUrl.password || serverUrl.search || serverUrl.hash) {
    throw new Refusal(`GITHUB_SERVER_URL: '${env.GITHUB_SERVER_URL}' must be a plain https:// (or http://, file://) URL without credentials`);
  }
  const base = serverUrl.href.replace(/\/+$/, "");
  const remoteUrl = `${base}/${owner}/${repo}`;
  const refInput = get("ref");
  let target;
  if (refInput === "") {
    const sameRepo = repository.toLowerCase() === (env.GITHUB_REPOSITORY ?? "").toLowerCase();
    const sha = env.GITHUB_SHA ?? "";
    target = sameRepo && SHA.test(sha) ? { kind: "sha", sha: sha.toLowerCase(), ref: env.GITHUB_REF ?? "" } : { kind: "default-branch" };
  } else if (SHA.test(refInput)) {
    target = { kind: "sha", sha: refInput.toLowerCase(), ref: "" };
  } else if (validRefName(refInput)) {
    target = { kind: "ref", ref: refInput };
  } else {
    throw new Refusal(`input ref: '${refInput}' is neither a commit SHA nor a valid ref name`);
  }
  const path = (0, import_node_path2.resolve)(workspace, get("path") || ".");
  const rel = (0, import_node_path2.relative)((0, import_node_path2.resolve)(workspace), path);
  if (rel === ".." || rel.startsWith("../") || (0, import_node_path2.isAbsolute)(rel)) throw new Refusal(`input path: '${get("path")}' is outside the workspace ${workspace}`);
  const cacheDir = env.RUNNER_FLEET_CACHE_DIR || void 0;
  if (cacheDir !== void 0 && !(0, import_node_path2.isAbsolute)(cacheDir)) throw new Refusal(`RUNNER_FLEET_CACHE_DIR: '${cacheDir}' is not an absolute path`);
  return {
    owner,
    repo,
    serverUrl,
    remoteUrl,
    target,
    token: get("token"),
    workspace: (0, import_node_path2.resolve)(workspace),
    path,
    fetchDepth: integer("fetch-depth", get("fetch-depth") || "1", 0),
    submodules: oneOf("submodules", get("submodules") || "false", ["false", "true", "recursive"]),
    lfs: oneOf("lfs", get("lfs") || "false", ["false", "true"]) === "true",
    maxAgeDays: integer("cache-max-age-days", get("cache-max-age-days") || "14", 0),
    lockTimeoutSeconds: integer("lock-timeout-seconds", get("lock-timeout-seconds") || "600", 1),
    keepWorktrees: integer("keep-worktrees", get("keep-worktrees") || "2", 0),
    cacheDir
  };
}

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

// src/owned.ts
var import_node_fs4 = require("node:fs");
var import_node_path3 = require("node:path");

// src/keeper.ts
var import_node_net = require("node:net");
var SHA2 = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
function askKeeper(socket, o, timeoutMs) {
  const want = o.target;
  const req = { v: 1, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo, token: o.token, want };
  return new Promise((resolve2, reject) => {
    const c = (0, import_node_net.connect)(socket);
    let buf = "";
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`the git keeper at ${socket} did not answer in ${timeoutMs / 1e3} s`));
    }, timeoutMs);
    c.setEncoding("utf8");
    c.on("connect", () => c.write(`${JSON.stringify(req)}
`));
    c.on("data", (d) => buf += d);
    c.on("error", (e) => {
      clearTimeout(t);
      reject(new Error(`cannot reach the git keeper at ${socket}: ${e.message}`));
    });
    c.on("end", () => {
      clearTimeout(t);
      let a;
      try {
        a = JSON.parse(buf);
      } catch {
        return reject(new Error(`the git keeper at ${socket} sent no answer`));
      }
      if (!a.ok) return reject(a.refusal ? new Refusal(a.message) : new Error(`git keeper: ${a.message}`));
      if (!SHA2.test(a.sha) || !a.objects.startsWith("/") || a.objects.includes("\n") || !Array.isArray(a.refs) || a.refs.some((r) => !SHA2.test(r[1]) || !/^refs\/(remotes\/origin|tags)\/[^\s]+$/.test(r[0]))) {
        return reject(new Error("the git keeper's answer is malformed"));
      }
      if (want.kind === "sha" && a.sha !== want.sha) return reject(new Error(`the git keeper answered ${a.sha} for ${want.sha}`));
      resolve2(a);
    });
  });
}

// src/owned.ts
function shelfDir(o) {
  const host = (o.serverUrl.host || "local").toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  return (0, import_node_path3.join)(o.cacheDir, "shelf", host, o.owner.toLowerCase(), o.repo.toLowerCase());
}
function isRealDir(p) {
  try {
    return (0, import_node_fs4.lstatSync)(p).isDirectory();
  } catch {
    return false;
  }
}
function purgeNestedGit(top) {
  const walk = (dir) => {
    let entries;
    try {
      entries = (0, import_node_fs4.readdirSync)(dir, { withFileTypes: true });
    } catch {
      removeTree(dir);
      return;
    }
    for (const e of entries) {
      const p = (0, import_node_path3.join)(dir, e.name);
      if (e.name.toLowerCase() === ".git") removeTree(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  for (const e of (0, import_node_fs4.readdirSync)(top, { withFileTypes: true })) if (e.isDirectory() && e.name.toLowerCase() !== ".git") walk((0, import_node_path3.join)(top, e.name));
}
function vacate(path) {
  if (!exists(path)) return;
  if (isRealDir(path) && !isEmptyDir(path)) {
    warning(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  if (isRealDir(path)) (0, import_node_fs4.rmdirSync)(path);
  else removeTree(path);
}
function claimShelved(shelf, path) {
  if (!isRealDir(shelf)) return false;
  for (const name of (0, import_node_fs4.readdirSync)(shelf).sort().reverse()) {
    const from = (0, import_node_path3.join)(shelf, name);
    if (!isRealDir(from)) {
      removeTree(from);
      continue;
    }
    vacate(path);
    try {
      (0, import_node_fs4.renameSync)(from, path);
      return true;
    } catch (e) {
      warning(`dropping the shelved tree ${from}: ${e instanceof Error ? e.message : String(e)}`);
      removeTree(from);
    }
  }
  return false;
}
async function ownedCheckout(o, socket) {
  const shelf = o.cacheDir !== void 0 && o.submodules === "false" && !o.lfs && o.keepWorktrees > 0 ? shelfDir({ ...o, cacheDir: o.cacheDir }) : "";
  for (const [k, v] of Object.entries({ mode: "owned", path: o.path, workspace: o.workspace, shelf, keep: String(o.keepWorktrees) })) saveState(k, v);
  const t0 = Date.now();
  const a = await askKeeper(socket, o, o.lockTimeoutSeconds * 1e3);
  info(`the host's git keeper has ${o.owner}/${o.repo} at ${a.sha} (${Date.now() - t0} ms)`);
  process.chdir("/");
  const t1 = Date.now();
  let claimed = false;
  if (shelf) {
    privateDir(shelf, "RUNNER_FLEET_CACHE_DIR");
    claimed = claimShelved(shelf, o.path);
  }
  if (!claimed) {
    vacate(o.path);
    (0, import_node_fs4.mkdirSync)(o.path, { recursive: true });
  }
  const p = o.path;
  removeTree((0, import_node_path3.join)(p, ".git"));
  if (claimed) purgeNestedGit(p);
  await gitOk(["init", "--quiet", "--template=", p]);
  (0, import_node_fs4.writeFileSync)((0, import_node_path3.join)(p, ".git", "objects", "info", "alternates"), `${a.objects}
`);
  await gitOk(["-C", p, "remote", "add", "origin", o.remoteUrl]);
  const refs = a.refs.map(([name, sha]) => `create ${name} ${sha}
`).join("");
  if (refs) await gitOk(["-C", p, "update-ref", "--stdin"], { input: refs });
  await gitOk(["-C", p, "update-ref", "--no-deref", "HEAD", a.sha]);
  await gitOk(["-C", p, "read-tree", a.sha]);
  const lfs = { GIT_LFS_SKIP_SMUDGE: "1" };
  if (claimed) await git(["-C", p, "update-index", "-q", "--refresh"]);
  await gitOk(["-C", p, "reset", "--hard", "--quiet"], { env: lfs });
  if (claimed) await gitOk(["-C", p, "clean", "-ffdxq"]);
  const head = (await gitOk(["-C", p, "rev-parse", "HEAD"])).trim();
  const dirty = await gitOk(["-C", p, "status", "--porcelain", "--ignored", "--untracked-files=all"]);
  if (head !== a.sha || dirty !== "") throw new Error(`the checkout at ${p} is not exactly ${a.sha}: HEAD ${head}${dirty ? `, ${dirty.split("\n").length} paths differ` : ""}`);
  info(`${claimed ? "shelved tree reused and verified" : "files written"} in ${Date.now() - t1} ms`);
  return { sha: a.sha, ref: a.ref };
}

// src/mirror.ts
var import_node_fs5 = require("node:fs");
var import_node_path4 = require("node:path");
var JOB_REFS = "refs/runner-fleet/jobs/";
var LAST_USE = "runner-fleet-last-use";
var JOB_RECORDS = "runner-fleet-jobs";
var PIN_GRACE_MS = 60 * 60 * 1e3;
function mirrorRoot(cacheDir) {
  return (0, import_node_path4.join)(cacheDir, "git-mirrors");
}
function mirrorFor(o) {
  const root = mirrorRoot(o.cacheDir);
  const host = (o.serverUrl.host || "local").toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  const dir = (0, import_node_path4.join)(root, host, o.owner.toLowerCase(), `${o.repo.toLowerCase()}.git`);
  return { root, dir, lock: `${dir}.lock`, remoteUrl: o.remoteUrl, auth: { serverUrl: o.serverUrl.href, token: o.token }, label: `${o.owner}/${o.repo}` };
}
function prepareCacheDirs(m) {
  privateDir(m.root, "RUNNER_FLEET_CACHE_DIR");
  privateDir((0, import_node_path4.dirname)((0, import_node_path4.dirname)(m.dir)), "RUNNER_FLEET_CACHE_DIR");
  privateDir((0, import_node_path4.dirname)(m.dir), "RUNNER_FLEET_CACHE_DIR");
}
async function setConfig(file, key, value) {
  const r = await git(["config", "--file", file, "--get-all", key]);
  const current = r.code === 0 ? r.stdout.split("\n").filter(Boolean) : [];
  if (value === void 0) {
    if (current.length > 0) await gitOk(["config", "--file", file, "--unset-all", key]);
  } else if (current.length !== 1 || current[0] !== value) {
    await gitOk(["config", "--file", file, "--replace-all", key, value]);
  }
}
async function ensureMirror(m) {
  if (!exists((0, import_node_path4.join)(m.dir, "HEAD"))) {
    if (exists(m.dir)) removeTree(m.dir);
    await gitOk(["init", "--bare", "--quiet", m.dir]);
  }
  const common = (0, import_node_path4.join)(m.dir, "config");
  await setConfig(common, "remote.origin.url", m.remoteUrl);
  await setConfig(common, "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
  await setConfig(common, "core.repositoryformatversion", "1");
  await setConfig(common, "extensions.worktreeConfig", "true");
  await setConfig((0, import_node_path4.join)(m.dir, "config.worktree"), "core.bare", "true");
  await setConfig(common, "core.bare", void 0);
}
async function updateMirror(m) {
  await ensureMirror(m);
  await gitOk(["-C", m.dir, "worktree", "prune"]);
  await gitOk(["-C", m.dir, "fetch", "--prune", "--force", "--no-tags", "--no-recurse-submodules", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], { auth: m.auth, echo: true });
  touchLastUse(m.dir);
}
function lastUseFile(dir) {
  return (0, import_node_path4.join)(dir, LAST_USE);
}
function touchLastUse(dir) {
  (0, import_node_fs5.writeFileSync)(lastUseFile(dir), `${(/* @__PURE__ */ new Date()).toISOString()}
`);
}
async function commit(m, rev) {
  const r = await git(["-C", m.dir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : void 0;
}
async function fetchInto(m, src, key) {
  const r = await git(["-C", m.dir, "fetch", "--no-tags", "--no-recurse-submodules", "origin", `+${src}:${JOB_REFS}${key}`], { auth: m.auth, echo: true });
  return r.code === 0;
}
async function defaultBranch(m) {
  const out = await gitOk(["-C", m.dir, "ls-remote", "--symref", "origin", "HEAD"], { auth: m.auth });
  const hit = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
  if (!hit) throw new Refusal(`input ref: ${m.label} has no default branch (an empty repository?)`);
  return hit[1];
}
async function resolveTarget(m, target, key) {
  if (target.kind === "sha") {
    if (await commit(m, target.sha)) return { sha: target.sha, ref: target.ref };
    if (await fetchInto(m, target.sha, key) && await commit(m, target.sha)) return { sha: target.sha, ref: target.ref };
    if (target.ref.startsWith("refs/") && await fetchInto(m, target.ref, key) && await commit(m, target.sha)) return { sha: target.sha, ref: target.ref };
    throw new Refusal(`input ref: commit ${target.sha} is not in ${m.label} (never pushed, or force-pushed away)`);
  }
  const ref = target.kind === "ref" ? target.ref : `refs/heads/${await defaultBranch(m)}`;
  const candidates = ref.startsWith("refs/heads/") ? [[`refs/remotes/origin/${ref.slice(11)}`, ref]] : ref.startsWith("refs/tags/") ? [[ref, ref]] : ref.startsWith("refs/") ? [] : [
    [`refs/remotes/origin/${ref}`, `refs/heads/${ref}`],
    [`refs/tags/${ref}`, `refs/tags/${ref}`]
  ];
  for (const [local, full] of candidates) {
    const sha = await commit(m, local);
    if (sha) return { sha, ref: full };
  }
  if (ref.startsWith("refs/") && !ref.startsWith("refs/heads/") && !ref.startsWith("refs/tags/")) {
    if (await fetchInto(m, ref, key)) {
      const sha = await commit(m, `${JOB_REFS}${key}`);
      if (sha) return { sha, ref };
    }
    throw new Refusal(`input ref: '${ref}' does not exist in ${m.label}`);
  }
  throw new Refusal(`input ref: '${target.kind === "ref" ? target.ref : ref}' is not a branch or tag of ${m.label} (deleted?)`);
}
async function pin(dir, key, sha, path) {
  await gitOk(["-C", dir, "update-ref", `${JOB_REFS}${key}`, sha]);
  (0, import_node_fs5.mkdirSync)((0, import_node_path4.join)(dir, JOB_RECORDS), { recursive: true, mode: 448 });
  (0, import_node_fs5.writeFileSync)((0, import_node_path4.join)(dir, JOB_RECORDS, key), JSON.stringify({ path, created: Date.now() }));
}
async function unpin(dir, key) {
  await git(["-C", dir, "update-ref", "-d", `${JOB_REFS}${key}`]);
  (0, import_node_fs5.rmSync)((0, import_node_path4.join)(dir, JOB_RECORDS, key), { force: true });
}
function realpath(p) {
  try {
    return (0, import_node_fs5.realpathSync)(p);
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
      rec = JSON.parse((0, import_node_fs5.readFileSync)((0, import_node_path4.join)(dir, JOB_RECORDS, key), "utf8"));
    } catch {
    }
    const young = typeof rec.created === "number" && Date.now() - rec.created < PIN_GRACE_MS;
    if (!(rec.path && live.has(realpath(rec.path))) && !young) await unpin(dir, key);
  }
}

// src/park.ts
var import_node_fs6 = require("node:fs");
var import_node_path5 = require("node:path");
function parkDir(mirrorDir) {
  return `${mirrorDir}.parked`;
}
async function isOurs(mirrorDir, path) {
  const r = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-common-dir"]);
  return r.code === 0 && realpath(r.stdout.trim()) === realpath(mirrorDir);
}
async function reset(mirrorDir, path, sha) {
  const admin = await git(["-C", path, "rev-parse", "--path-format=absolute", "--git-dir"]);
  if (admin.code !== 0) return false;
  (0, import_node_fs6.rmSync)((0, import_node_path5.join)(admin.stdout.trim(), "config.worktree"), { force: true });
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
async function claimParked(mirrorDir, path) {
  const dir = parkDir(mirrorDir);
  if (!exists(dir)) return false;
  for (const name of (0, import_node_fs6.readdirSync)(dir).sort().reverse()) {
    const from = (0, import_node_path5.join)(dir, name);
    if (exists(path)) {
      if (!isEmptyDir(path)) {
        warning(`${path} is not empty: removing what an earlier job left there`);
        emptyDir(path);
      }
      (0, import_node_fs6.rmdirSync)(path);
    }
    const r = await git(["-C", mirrorDir, "worktree", "move", from, path]);
    if (r.code === 0) return true;
    warning(`dropping the parked worktree ${from}: ${r.stderr.trim()}`);
    await git(["-C", mirrorDir, "worktree", "remove", "--force", from]);
    if (exists(from)) removeTree(from);
  }
  return false;
}
async function reuseParked(mirrorDir, path, sha) {
  if (await reset(mirrorDir, path, sha)) {
    const at = (await gitOk(["-C", path, "rev-parse", "HEAD"])).trim();
    if (at === sha) return true;
  }
  warning(`the parked worktree at ${path} could not be reset to ${sha}: adding a fresh one`);
  await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists(path)) emptyDir(path);
  await git(["-C", mirrorDir, "worktree", "prune"]);
  return false;
}

// src/worktree.ts
var import_node_fs7 = require("node:fs");
var import_node_path6 = require("node:path");
async function registerWorktree(mirrorDir, path, sha) {
  if ((await liveWorktrees(mirrorDir)).has(realpath(path))) {
    await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  }
  if (exists(path) && !isEmptyDir(path)) {
    warning(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  (0, import_node_fs7.mkdirSync)((0, import_node_path6.dirname)(path), { recursive: true });
  await gitOk(["-C", mirrorDir, "worktree", "add", "--detach", "--no-checkout", path, sha]);
  const gitdir = /^gitdir: (.+)$/m.exec((0, import_node_fs7.readFileSync)((0, import_node_path6.join)(path, ".git"), "utf8"))?.[1]?.trim();
  if (!gitdir || realpath((0, import_node_path6.dirname)(gitdir)) !== realpath((0, import_node_path6.join)(mirrorDir, "worktrees"))) throw new Error(`${path}/.git does not point into ${mirrorDir}/worktrees`);
  return (0, import_node_path6.basename)(gitdir);
}
async function populateWorktree(path) {
  await gitOk(["-C", path, "reset", "--hard", "--quiet"], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
}

// src/warm.ts
function parkable(o) {
  return o.submodules === "false" && !o.lfs;
}
async function warmCheckout(o, key) {
  const m = mirrorFor(o);
  prepareCacheDirs(m);
  const keep = parkable(o) ? o.keepWorktrees : 0;
  for (const [k, v] of Object.entries({ mode: "worktree", mirror: m.dir, lock: m.lock, key, path: o.path, workspace: o.workspace, cacheDir: o.cacheDir, maxAgeDays: String(o.maxAgeDays), lockTimeoutSeconds: String(o.lockTimeoutSeconds), keep: String(keep) })) {
    saveState(k, v);
  }
  group(`Updating the mirror of ${m.label} in ${m.dir}`);
  const asked = Date.now();
  let target;
  let claimed = false;
  let admin = "";
  process.chdir(o.cacheDir);
  try {
    target = await withLock(m.lock, o.lockTimeoutSeconds, async () => {
      info(`mirror lock taken after ${Date.now() - asked} ms`);
      const t0 = Date.now();
      await updateMirror(m);
      info(`mirror updated in ${Date.now() - t0} ms`);
      await sweepJobRefs(m.dir);
      const t = await resolveTarget(m, o.target, key);
      await pin(m.dir, key, t.sha, o.path);
      if (keep > 0) claimed = await claimParked(m.dir, o.path);
      if (!claimed) admin = await registerWorktree(m.dir, o.path, t.sha);
      return t;
    });
  } finally {
    endGroup();
  }
  const t1 = Date.now();
  if (claimed) {
    if (await reuseParked(m.dir, o.path, target.sha)) {
      info(`parked worktree of ${m.dir} moved to ${o.path} and reset to ${target.sha} in ${Date.now() - t1} ms`);
      return target;
    }
    const sha = target.sha;
    admin = await withLock(m.lock, o.lockTimeoutSeconds, () => registerWorktree(m.dir, o.path, sha));
  }
  await populateWorktree(o.path);
  info(`worktree ${admin} of ${m.dir} added at ${o.path} in ${Date.now() - t1} ms`);
  return target;
}

// src/main.ts
run(async () => {
  const o = parseOptions(input, process.env);
  addMask(o.token);
  refuseLinkedPath(o.workspace, o.path, input("path") || ".");
  if (o.lfs) await requireLfs();
  let result;
  let mode = "clone";
  const socket = process.env.RUNNER_FLEET_GIT_SOCKET || void 0;
  if (socket !== void 0) {
    result = await ownedCheckout(o, socket);
    mode = "keeper";
  } else if (o.cacheDir !== void 0) {
    try {
      result = await warmCheckout({ ...o, cacheDir: o.cacheDir }, (0, import_node_crypto2.randomUUID)());
      mode = "worktree";
    } catch (e) {
      if (!(e instanceof LockUnavailable)) throw e;
      warning(`RUNNER_FLEET_CACHE_DIR is set but ${e.message}: a plain clone instead of the warm mirror`);
    }
  }
  if (result === void 0) {
    saveState("mode", "clone");
    result = await plainCheckout(o);
  }
  await submodulesAndLfs(o, mode === "worktree");
  setOutput("commit", result.sha);
  setOutput("ref", result.ref);
  setOutput("mode", mode);
  info(`${o.owner}/${o.repo} ${result.ref || result.sha} checked out at ${result.sha} in ${o.path} (${mode})`);
});
