// Generated from checkout/src by `npm run build:checkout`; do not edit.
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/post.ts
var import_node_fs7 = require("node:fs");

// src/fsutil.ts
var import_node_fs = require("node:fs");
var import_node_path = require("node:path");

// ../node_modules/@actions/core/lib/command.js
var os = __toESM(require("os"), 1);

// ../node_modules/@actions/core/lib/utils.js
function toCommandValue(input) {
  if (input === null || input === void 0) {
    return "";
  } else if (typeof input === "string" || input instanceof String) {
    return input;
  }
  return JSON.stringify(input);
}
function toCommandProperties(annotationProperties) {
  if (!Object.keys(annotationProperties).length) {
    return {};
  }
  return {
    title: annotationProperties.title,
    file: annotationProperties.file,
    line: annotationProperties.startLine,
    endLine: annotationProperties.endLine,
    col: annotationProperties.startColumn,
    endColumn: annotationProperties.endColumn
  };
}

// ../node_modules/@actions/core/lib/command.js
function issueCommand(command, properties, message) {
  const cmd = new Command(command, properties, message);
  process.stdout.write(cmd.toString() + os.EOL);
}
var CMD_STRING = "::";
var Command = class {
  constructor(command, properties, message) {
    if (!command) {
      command = "missing.command";
    }
    this.command = command;
    this.properties = properties;
    this.message = message;
  }
  toString() {
    let cmdStr = CMD_STRING + this.command;
    if (this.properties && Object.keys(this.properties).length > 0) {
      cmdStr += " ";
      let first = true;
      for (const key in this.properties) {
        if (this.properties.hasOwnProperty(key)) {
          const val = this.properties[key];
          if (val) {
            if (first) {
              first = false;
            } else {
              cmdStr += ",";
            }
            cmdStr += `${key}=${escapeProperty(val)}`;
          }
        }
      }
    }
    cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
    return cmdStr;
  }
};
function escapeData(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/:/g, "%3A").replace(/,/g, "%2C");
}

// ../node_modules/@actions/core/lib/core.js
var os3 = __toESM(require("os"), 1);

// ../node_modules/@actions/core/lib/summary.js
var import_os = require("os");
var import_fs = require("fs");
var __awaiter = function(thisArg, _arguments, P, generator) {
  function adopt(value) {
    return value instanceof P ? value : new P(function(resolve) {
      resolve(value);
    });
  }
  return new (P || (P = Promise))(function(resolve, reject) {
    function fulfilled(value) {
      try {
        step(generator.next(value));
      } catch (e) {
        reject(e);
      }
    }
    function rejected(value) {
      try {
        step(generator["throw"](value));
      } catch (e) {
        reject(e);
      }
    }
    function step(result) {
      result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected);
    }
    step((generator = generator.apply(thisArg, _arguments || [])).next());
  });
};
var { access, appendFile, writeFile } = import_fs.promises;
var SUMMARY_ENV_VAR = "GITHUB_STEP_SUMMARY";
var Summary = class {
  constructor() {
    this._buffer = "";
  }
  /**
   * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
   * Also checks r/w permissions.
   *
   * @returns step summary file path
   */
  filePath() {
    return __awaiter(this, void 0, void 0, function* () {
      if (this._filePath) {
        return this._filePath;
      }
      const pathFromEnv = process.env[SUMMARY_ENV_VAR];
      if (!pathFromEnv) {
        throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
      }
      try {
        yield access(pathFromEnv, import_fs.constants.R_OK | import_fs.constants.W_OK);
      } catch (_a) {
        throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
      }
      this._filePath = pathFromEnv;
      return this._filePath;
    });
  }
  /**
   * Wraps content in an HTML tag, adding any HTML attributes
   *
   * @param {string} tag HTML tag to wrap
   * @param {string | null} content content within the tag
   * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
   *
   * @returns {string} content wrapped in HTML element
   */
  wrap(tag, content, attrs = {}) {
    const htmlAttrs = Object.entries(attrs).map(([key, value]) => ` ${key}="${value}"`).join("");
    if (!content) {
      return `<${tag}${htmlAttrs}>`;
    }
    return `<${tag}${htmlAttrs}>${content}</${tag}>`;
  }
  /**
   * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
   *
   * @param {SummaryWriteOptions} [options] (optional) options for write operation
   *
   * @returns {Promise<Summary>} summary instance
   */
  write(options) {
    return __awaiter(this, void 0, void 0, function* () {
      const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
      const filePath = yield this.filePath();
      const writeFunc = overwrite ? writeFile : appendFile;
      yield writeFunc(filePath, this._buffer, { encoding: "utf8" });
      return this.emptyBuffer();
    });
  }
  /**
   * Clears the summary buffer and wipes the summary file
   *
   * @returns {Summary} summary instance
   */
  clear() {
    return __awaiter(this, void 0, void 0, function* () {
      return this.emptyBuffer().write({ overwrite: true });
    });
  }
  /**
   * Returns the current summary buffer as a string
   *
   * @returns {string} string of summary buffer
   */
  stringify() {
    return this._buffer;
  }
  /**
   * If the summary buffer is empty
   *
   * @returns {boolen} true if the buffer is empty
   */
  isEmptyBuffer() {
    return this._buffer.length === 0;
  }
  /**
   * Resets the summary buffer without writing to summary file
   *
   * @returns {Summary} summary instance
   */
  emptyBuffer() {
    this._buffer = "";
    return this;
  }
  /**
   * Adds raw text to the summary buffer
   *
   * @param {string} text content to add
   * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
   *
   * @returns {Summary} summary instance
   */
  addRaw(text, addEOL = false) {
    this._buffer += text;
    return addEOL ? this.addEOL() : this;
  }
  /**
   * Adds the operating system-specific end-of-line marker to the buffer
   *
   * @returns {Summary} summary instance
   */
  addEOL() {
    return this.addRaw(import_os.EOL);
  }
  /**
   * Adds an HTML codeblock to the summary buffer
   *
   * @param {string} code content to render within fenced code block
   * @param {string} lang (optional) language to syntax highlight code
   *
   * @returns {Summary} summary instance
   */
  addCodeBlock(code, lang) {
    const attrs = Object.assign({}, lang && { lang });
    const element = this.wrap("pre", this.wrap("code", code), attrs);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML list to the summary buffer
   *
   * @param {string[]} items list of items to render
   * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
   *
   * @returns {Summary} summary instance
   */
  addList(items, ordered = false) {
    const tag = ordered ? "ol" : "ul";
    const listItems = items.map((item) => this.wrap("li", item)).join("");
    const element = this.wrap(tag, listItems);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML table to the summary buffer
   *
   * @param {SummaryTableCell[]} rows table rows
   *
   * @returns {Summary} summary instance
   */
  addTable(rows) {
    const tableBody = rows.map((row) => {
      const cells = row.map((cell) => {
        if (typeof cell === "string") {
          return this.wrap("td", cell);
        }
        const { header, data, colspan, rowspan } = cell;
        const tag = header ? "th" : "td";
        const attrs = Object.assign(Object.assign({}, colspan && { colspan }), rowspan && { rowspan });
        return this.wrap(tag, data, attrs);
      }).join("");
      return this.wrap("tr", cells);
    }).join("");
    const element = this.wrap("table", tableBody);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds a collapsable HTML details element to the summary buffer
   *
   * @param {string} label text for the closed state
   * @param {string} content collapsable content
   *
   * @returns {Summary} summary instance
   */
  addDetails(label, content) {
    const element = this.wrap("details", this.wrap("summary", label) + content);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML image tag to the summary buffer
   *
   * @param {string} src path to the image you to embed
   * @param {string} alt text description of the image
   * @param {SummaryImageOptions} options (optional) addition image attributes
   *
   * @returns {Summary} summary instance
   */
  addImage(src, alt, options) {
    const { width, height } = options || {};
    const attrs = Object.assign(Object.assign({}, width && { width }), height && { height });
    const element = this.wrap("img", null, Object.assign({ src, alt }, attrs));
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML section heading element
   *
   * @param {string} text heading text
   * @param {number | string} [level=1] (optional) the heading level, default: 1
   *
   * @returns {Summary} summary instance
   */
  addHeading(text, level) {
    const tag = `h${level}`;
    const allowedTag = ["h1", "h2", "h3", "h4", "h5", "h6"].includes(tag) ? tag : "h1";
    const element = this.wrap(allowedTag, text);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML thematic break (<hr>) to the summary buffer
   *
   * @returns {Summary} summary instance
   */
  addSeparator() {
    const element = this.wrap("hr", null);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML line break (<br>) to the summary buffer
   *
   * @returns {Summary} summary instance
   */
  addBreak() {
    const element = this.wrap("br", null);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML blockquote to the summary buffer
   *
   * @param {string} text quote text
   * @param {string} cite (optional) citation url
   *
   * @returns {Summary} summary instance
   */
  addQuote(text, cite) {
    const attrs = Object.assign({}, cite && { cite });
    const element = this.wrap("blockquote", text, attrs);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML anchor tag to the summary buffer
   *
   * @param {string} text link text/content
   * @param {string} href hyperlink
   *
   * @returns {Summary} summary instance
   */
  addLink(text, href) {
    const element = this.wrap("a", text, { href });
    return this.addRaw(element).addEOL();
  }
};
var _summary = new Summary();

// ../node_modules/@actions/core/lib/platform.js
var import_os2 = __toESM(require("os"), 1);

// ../node_modules/@actions/io/lib/io-util.js
var fs = __toESM(require("fs"), 1);
var { chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink } = fs.promises;
var IS_WINDOWS = process.platform === "win32";
var READONLY = fs.constants.O_RDONLY;

// ../node_modules/@actions/exec/lib/toolrunner.js
var IS_WINDOWS2 = process.platform === "win32";

// ../node_modules/@actions/core/lib/platform.js
var platform = import_os2.default.platform();
var arch = import_os2.default.arch();

// ../node_modules/@actions/core/lib/core.js
var ExitCode;
(function(ExitCode2) {
  ExitCode2[ExitCode2["Success"] = 0] = "Success";
  ExitCode2[ExitCode2["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
function setSecret(secret) {
  issueCommand("add-mask", {}, secret);
}
function setFailed(message) {
  process.exitCode = ExitCode.Failure;
  error(message);
}
function error(message, properties = {}) {
  issueCommand("error", toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
function warning(message, properties = {}) {
  issueCommand("warning", toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
function info(message) {
  process.stdout.write(message + os3.EOL);
}
function getState(name) {
  return process.env[`STATE_${name}`] || "";
}

// src/runner.ts
var state = (name) => getState(name);
var secrets = /* @__PURE__ */ new Set();
function addMask(value) {
  if (!value) return;
  secrets.add(value);
  setSecret(value);
}
function redact(text) {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}
var info2 = (msg) => info(redact(msg));
var warning2 = (msg) => warning(redact(msg));
var Refusal = class extends Error {
};
function run(entry) {
  entry().then(
    () => void 0,
    (e) => setFailed(redact(e instanceof Error ? e.message : String(e)))
  );
}

// src/fsutil.ts
function exists2(p) {
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
      warning2(`git ${args.slice(2).join(" ")} in ${path} failed: ${r.stderr.trim()}`);
      return false;
    }
  }
  return isOurs(mirrorDir, path);
}
async function readyToPark(mirrorDir, path) {
  return exists2(path) && await isOurs(mirrorDir, path) && await reset(mirrorDir, path);
}
async function parkWorktree(mirrorDir, path, keep) {
  const dir = parkDir(mirrorDir);
  privateDir(dir, "RUNNER_FLEET_CACHE_DIR");
  if ((0, import_node_fs3.readdirSync)(dir).length >= keep) return false;
  const name = `${Date.now().toString().padStart(15, "0")}-${(0, import_node_crypto.randomUUID)()}`;
  const r = await git(["-C", mirrorDir, "worktree", "move", path, (0, import_node_path3.join)(dir, name)]);
  if (r.code !== 0) {
    info2(`not parking the worktree: ${r.stderr.trim()}`);
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
            if (!exists2(dir) || !tooOld(dir)) return;
            let inUse = false;
            try {
              inUse = exists2((0, import_node_path4.join)(dir, "HEAD")) && [...await liveWorktrees(dir)].some((w) => !isParked(dir, w));
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

// src/keeper.ts
var import_node_net = require("node:net");
function exchange(socket, req, timeoutMs) {
  return new Promise((resolve, reject) => {
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
      resolve(a);
    });
  });
}
async function giveBack(socket, o, name, id, sha, keep) {
  const a = await exchange(socket, { v: 1, op: "return", serverUrl: o.serverUrl, owner: o.owner, repo: o.repo, name, id, sha, keep }, 6e4);
  return "returned" in a && a.returned === true;
}

// src/owned.ts
function isRealDir(p) {
  try {
    return (0, import_node_fs5.lstatSync)(p).isDirectory();
  } catch {
    return false;
  }
}
async function giveBackOrRemove(s) {
  process.chdir("/");
  const path = s("path");
  const workspace = s("workspace");
  const keep = Number(s("keep")) || 0;
  const cacheDir = s("cacheDir");
  let kept = false;
  if (keep > 0 && cacheDir && isRealDir(path)) {
    const name = `.return-${(0, import_node_crypto2.randomUUID)()}`;
    try {
      (0, import_node_fs5.renameSync)(path, (0, import_node_path5.join)(cacheDir, name));
      kept = await giveBack(s("socket"), { serverUrl: s("serverUrl"), owner: s("owner"), repo: s("repo") }, name, s("tree"), s("sha"), keep);
      if (!kept) removeTree((0, import_node_path5.join)(cacheDir, name));
    } catch (e) {
      info2(`not shelving the tree: ${e instanceof Error ? e.message : String(e)}`);
      removeTree((0, import_node_path5.join)(cacheDir, name));
    }
  }
  if (!kept && exists2(path)) {
    if (path === workspace && isRealDir(path)) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) (0, import_node_fs5.mkdirSync)(path, { recursive: true });
  return kept ? `gave the tree from ${path} back to the host's git keeper for the next job on this slot` : `removed the checkout at ${path}`;
}

// src/worktree.ts
var import_node_fs6 = require("node:fs");
async function removeWorktree(mirrorDir, path, workspace) {
  if (exists2(mirrorDir)) await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists2(path)) {
    if (path === workspace) emptyDir(path);
    else removeTree(path);
  }
  if (path === workspace) (0, import_node_fs6.mkdirSync)(path, { recursive: true });
  if (exists2(mirrorDir)) await gitOk(["-C", mirrorDir, "worktree", "prune"]);
}

// src/post.ts
run(async () => {
  if (state("mode") === "owned") {
    if (!state("path")) throw new Error("the main step saved no path: nothing to clean up safely");
    info2(await giveBackOrRemove(state));
    return;
  }
  if (state("mode") !== "worktree") {
    info2("no worktree to remove");
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
  if (keep > 0 && exists2(dir) && await readyToPark(dir, path)) {
    parked = await withLock(state("lock"), lockTimeout, async () => exists2(dir) && parkWorktree(dir, path, keep));
  }
  if (parked) {
    (0, import_node_fs7.mkdirSync)(workspace, { recursive: true });
    info2(`parked the worktree from ${path} for the next job on this cache`);
  } else {
    await removeWorktree(dir, path, workspace);
    info2(`removed the worktree at ${path}`);
  }
  await withLock(state("lock"), lockTimeout, async () => {
    if (!exists2(dir)) return;
    await unpin(dir, key);
    await sweepJobRefs(dir);
    touchLastUse(dir);
  });
  for (const old of await removeOldMirrors(state("cacheDir"), Number(state("maxAgeDays")), dir)) info2(`removed ${old}: unused for more than ${state("maxAgeDays")} days`);
});
