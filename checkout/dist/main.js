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

// src/main.ts
var import_node_crypto2 = require("node:crypto");

// src/git.ts
var import_node_child_process = require("node:child_process");

// ../node_modules/@actions/core/lib/command.js
var os = __toESM(require("os"), 1);

// ../node_modules/@actions/core/lib/utils.js
function toCommandValue(input2) {
  if (input2 === null || input2 === void 0) {
    return "";
  } else if (typeof input2 === "string" || input2 instanceof String) {
    return input2;
  }
  return JSON.stringify(input2);
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
function issue(name, message = "") {
  issueCommand(name, {}, message);
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

// ../node_modules/@actions/core/lib/file-command.js
var crypto = __toESM(require("crypto"), 1);
var fs = __toESM(require("fs"), 1);
var os2 = __toESM(require("os"), 1);
function issueFileCommand(command, message) {
  const filePath = process.env[`GITHUB_${command}`];
  if (!filePath) {
    throw new Error(`Unable to find environment variable for file command ${command}`);
  }
  if (!fs.existsSync(filePath)) {
    throw new Error(`Missing file at path: ${filePath}`);
  }
  fs.appendFileSync(filePath, `${toCommandValue(message)}${os2.EOL}`, {
    encoding: "utf8"
  });
}
function prepareKeyValueMessage(key, value) {
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  const convertedValue = toCommandValue(value);
  if (key.includes(delimiter)) {
    throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  }
  if (convertedValue.includes(delimiter)) {
    throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  }
  return `${key}<<${delimiter}${os2.EOL}${convertedValue}${os2.EOL}${delimiter}`;
}

// ../node_modules/@actions/core/lib/core.js
var os4 = __toESM(require("os"), 1);

// ../node_modules/@actions/core/lib/summary.js
var import_os = require("os");
var import_fs = require("fs");
var __awaiter = function(thisArg, _arguments, P, generator) {
  function adopt2(value) {
    return value instanceof P ? value : new P(function(resolve3) {
      resolve3(value);
    });
  }
  return new (P || (P = Promise))(function(resolve3, reject) {
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
      result.done ? resolve3(result.value) : adopt2(result.value).then(fulfilled, rejected);
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
var fs2 = __toESM(require("fs"), 1);
var { chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink } = fs2.promises;
var IS_WINDOWS = process.platform === "win32";
var READONLY = fs2.constants.O_RDONLY;

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
function getInput(name, options) {
  const val = process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] || "";
  if (options && options.required && !val) {
    throw new Error(`Input required and not supplied: ${name}`);
  }
  if (options && options.trimWhitespace === false) {
    return val;
  }
  return val.trim();
}
function setOutput(name, value) {
  const filePath = process.env["GITHUB_OUTPUT"] || "";
  if (filePath) {
    return issueFileCommand("OUTPUT", prepareKeyValueMessage(name, value));
  }
  process.stdout.write(os4.EOL);
  issueCommand("set-output", { name }, toCommandValue(value));
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
  process.stdout.write(message + os4.EOL);
}
function startGroup(name) {
  issue("group", name);
}
function endGroup() {
  issue("endgroup");
}
function saveState(name, value) {
  const filePath = process.env["GITHUB_STATE"] || "";
  if (filePath) {
    return issueFileCommand("STATE", prepareKeyValueMessage(name, value));
  }
  issueCommand("save-state", { name }, toCommandValue(value));
}

// src/runner.ts
var input = (name) => getInput(name);
var saveState2 = (name, value) => saveState(name, value);
var setOutput2 = (name, value) => setOutput(name, value);
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
var group = (title) => startGroup(redact(title));
var endGroup2 = () => endGroup();
var Refusal = class extends Error {
};
function run(entry) {
  entry().then(
    () => void 0,
    (e) => setFailed(redact(e instanceof Error ? e.message : String(e)))
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
var import_node_fs2 = require("node:fs");

// src/fsutil.ts
var import_node_fs = require("node:fs");
var import_node_path = require("node:path");
function exists2(p) {
  try {
    (0, import_node_fs.lstatSync)(p);
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
      st = (0, import_node_fs.lstatSync)(cur);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) throw new Refusal(`input path: '${inputPath}' goes through the symlink ${cur}`);
    if (!st.isDirectory()) throw new Refusal(`input path: '${inputPath}': ${cur} is not a directory`);
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
function isEmptyDir(dir) {
  return (0, import_node_fs.readdirSync)(dir).length === 0;
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
  if (exists2(o.path) && !isEmptyDir(o.path)) {
    warning2(`${o.path} is not empty: removing what an earlier job left there`);
    emptyDir(o.path);
  }
  (0, import_node_fs2.mkdirSync)(o.path, { recursive: true });
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
var import_node_crypto = require("node:crypto");
var import_node_fs3 = require("node:fs");
var import_node_path4 = require("node:path");

// src/keeper.ts
var import_node_net = require("node:net");
var import_node_path3 = require("node:path");
var SHA2 = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
function exchange(socket, req, timeoutMs) {
  return new Promise((resolve3, reject) => {
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
      resolve3(a);
    });
  });
}
var repoOf = (o) => ({ v: 1, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo });
async function askKeeper(socket, o, tree, timeoutMs) {
  const want = o.target;
  const a = await exchange(socket, { ...repoOf(o), token: o.token, want, tree, all: o.fetchDepth === 0 }, timeoutMs);
  if (!("objects" in a) || !SHA2.test(a.sha) || !a.objects.startsWith("/") || a.objects.includes("\n") || !Array.isArray(a.refs) || a.refs.some((r) => !SHA2.test(r[1]) || !/^refs\/(remotes\/origin|tags)\/[^\s]+$/.test(r[0]))) {
    throw new Error("the git keeper's answer is malformed");
  }
  const t = a.tree;
  if (t !== void 0 && (!tree || o.cacheDir === void 0 || (0, import_node_path3.dirname)(t.path) !== (0, import_node_path3.resolve)(o.cacheDir) || !(0, import_node_path3.basename)(t.path).startsWith(".keeper-") || !SHA2.test(t.base) || !Array.isArray(t.restore) || t.restore.some((p) => typeof p !== "string" || p === "" || p.startsWith("/") || p.split("/").includes(".."))))
    throw new Error("the git keeper's tree is malformed");
  if (want.kind === "sha" && a.sha !== want.sha) throw new Error(`the git keeper answered ${a.sha} for ${want.sha}`);
  return a;
}

// src/owned.ts
function isRealDir(p) {
  try {
    return (0, import_node_fs3.lstatSync)(p).isDirectory();
  } catch {
    return false;
  }
}
function vacate(path) {
  if (!exists2(path)) return;
  if (isRealDir(path) && !isEmptyDir(path)) {
    warning2(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  if (isRealDir(path)) (0, import_node_fs3.rmdirSync)(path);
  else removeTree(path);
}
function initAhead(cacheDir) {
  const dir = (0, import_node_path4.join)(cacheDir, `.init-${(0, import_node_crypto.randomUUID)()}`);
  return { dir, ready: gitOk(["init", "--quiet", "--template=", dir]) };
}
function adopt(ahead, p) {
  const dotGit = (0, import_node_path4.join)(p, ".git");
  if (exists2(dotGit)) {
    if (exists2((0, import_node_path4.join)(dotGit, "index"))) (0, import_node_fs3.renameSync)((0, import_node_path4.join)(dotGit, "index"), (0, import_node_path4.join)(ahead, ".git", "index"));
    removeTree(dotGit);
  }
  (0, import_node_fs3.renameSync)((0, import_node_path4.join)(ahead, ".git"), dotGit);
  (0, import_node_fs3.rmdirSync)(ahead);
}
async function initRepository(p, o, a, ahead) {
  if (ahead) adopt(ahead, p);
  else await gitOk(["init", "--quiet", "--template=", p]);
  (0, import_node_fs3.writeFileSync)((0, import_node_path4.join)(p, ".git", "objects", "info", "alternates"), `${a.objects}
`);
  const url = o.remoteUrl.replace(/[\\"]/g, "\\$&");
  if (/[\r\n]/.test(url)) throw new Error(`remote URL ${o.remoteUrl} has a line break`);
  (0, import_node_fs3.appendFileSync)((0, import_node_path4.join)(p, ".git", "config"), `[remote "origin"]
	url = "${url}"
	fetch = +refs/heads/*:refs/remotes/origin/*
`);
}
async function writeRefs(p, a) {
  const refs = a.refs.map(([name, sha]) => `create ${name} ${sha}
`).join("");
  await gitOk(["-C", p, "update-ref", "--stdin"], { input: `${refs}option no-deref
update HEAD ${a.sha}
` });
}
async function fromShelf(p, a) {
  const changed = await git(["-C", p, "diff-tree", "-r", "-z", "--no-renames", "--name-only", a.tree.base, a.sha]);
  if (changed.code !== 0) {
    warning2(`the shelved tree's commit ${a.tree.base} cannot be compared with ${a.sha} (${changed.stderr.trim()}): writing every file instead`);
    return false;
  }
  const paths = /* @__PURE__ */ new Set([...changed.stdout.split("\0").filter(Boolean), ...a.tree.restore]);
  if (paths.size === 0) return true;
  const env = { GIT_LFS_SKIP_SMUDGE: "1", GIT_LITERAL_PATHSPECS: "1" };
  const r = await git(["-C", p, "restore", `--source=${a.sha}`, "--staged", "--worktree", "--quiet", "--pathspec-from-file=-", "--pathspec-file-nul"], { env, input: [...paths].map((f) => `${f}\0`).join("") });
  if (r.code !== 0) {
    warning2(`the shelved tree could not be brought to ${a.sha} (${r.stderr.trim()}): writing every file instead`);
    return false;
  }
  return true;
}
async function ownedCheckout(o, socket) {
  const keep = o.cacheDir !== void 0 && o.submodules === "false" && !o.lfs && o.keepWorktrees > 0;
  const t0 = Date.now();
  const ahead = keep ? initAhead(o.cacheDir) : void 0;
  let a;
  try {
    a = await askKeeper(socket, o, keep, o.lockTimeoutSeconds * 1e3);
    await ahead?.ready;
  } catch (e) {
    await ahead?.ready.catch(() => void 0);
    if (ahead) removeTree(ahead.dir);
    throw e;
  }
  info2(`the host's git keeper has ${o.owner}/${o.repo} at ${a.sha}${a.tree ? `, with a shelved tree (${a.tree.restore.length} files to restore)` : ""} (${Date.now() - t0} ms)`);
  const state = { mode: "owned", path: o.path, workspace: o.workspace, keep: keep ? String(o.keepWorktrees) : "0", cacheDir: o.cacheDir ?? "", socket, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo, sha: a.sha, tree: a.tree?.id ?? "" };
  for (const [k, v] of Object.entries(state)) saveState2(k, v);
  process.chdir("/");
  const t1 = Date.now();
  const p = o.path;
  vacate(p);
  let claimed = false;
  if (a.tree) {
    try {
      (0, import_node_fs3.renameSync)(a.tree.path, p);
      claimed = true;
    } catch (e) {
      warning2(`not using the shelved tree: ${e instanceof Error ? e.message : String(e)}`);
      removeTree(a.tree.path);
    }
  }
  if (!claimed) (0, import_node_fs3.mkdirSync)(p, { recursive: true });
  await initRepository(p, o, a, ahead?.dir);
  const [, warm] = await Promise.all([writeRefs(p, a), claimed && fromShelf(p, { ...a, tree: a.tree })]);
  if (!warm) {
    if (claimed) {
      removeTree((0, import_node_path4.join)(p, ".git", "index"));
      for (const f of (0, import_node_fs3.readdirSync)(p)) if (f !== ".git") removeTree((0, import_node_path4.join)(p, f));
    }
    await gitOk(["-C", p, "read-tree", "--reset", "-u", a.sha], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
  }
  info2(`${warm ? "shelved tree taken from the keeper" : "files written"} in ${Date.now() - t1} ms`);
  return { sha: a.sha, ref: a.ref };
}

// src/mirror.ts
var import_node_fs4 = require("node:fs");
var import_node_path5 = require("node:path");
var JOB_REFS = "refs/runner-fleet/jobs/";
var LAST_USE = "runner-fleet-last-use";
var JOB_RECORDS = "runner-fleet-jobs";
var PIN_GRACE_MS = 60 * 60 * 1e3;
function mirrorRoot(cacheDir) {
  return (0, import_node_path5.join)(cacheDir, "git-mirrors");
}
function mirrorFor(o) {
  const root = mirrorRoot(o.cacheDir);
  const host = (o.serverUrl.host || "local").toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  const dir = (0, import_node_path5.join)(root, host, o.owner.toLowerCase(), `${o.repo.toLowerCase()}.git`);
  return { root, dir, lock: `${dir}.lock`, remoteUrl: o.remoteUrl, auth: { serverUrl: o.serverUrl.href, token: o.token }, label: `${o.owner}/${o.repo}` };
}
function prepareCacheDirs(m) {
  privateDir(m.root, "RUNNER_FLEET_CACHE_DIR");
  privateDir((0, import_node_path5.dirname)((0, import_node_path5.dirname)(m.dir)), "RUNNER_FLEET_CACHE_DIR");
  privateDir((0, import_node_path5.dirname)(m.dir), "RUNNER_FLEET_CACHE_DIR");
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
  if (!exists2((0, import_node_path5.join)(m.dir, "HEAD"))) {
    if (exists2(m.dir)) removeTree(m.dir);
    await gitOk(["init", "--bare", "--quiet", m.dir]);
  }
  const common = (0, import_node_path5.join)(m.dir, "config");
  await setConfig(common, "remote.origin.url", m.remoteUrl);
  await setConfig(common, "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
  await setConfig(common, "core.repositoryformatversion", "1");
  await setConfig(common, "extensions.worktreeConfig", "true");
  await setConfig((0, import_node_path5.join)(m.dir, "config.worktree"), "core.bare", "true");
  await setConfig(common, "core.bare", void 0);
}
async function updateMirror(m) {
  await ensureMirror(m);
  await gitOk(["-C", m.dir, "worktree", "prune"]);
  await gitOk(["-C", m.dir, "fetch", "--prune", "--force", "--no-tags", "--no-recurse-submodules", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], { auth: m.auth, echo: true });
  touchLastUse(m.dir);
}
function lastUseFile(dir) {
  return (0, import_node_path5.join)(dir, LAST_USE);
}
function touchLastUse(dir) {
  (0, import_node_fs4.writeFileSync)(lastUseFile(dir), `${(/* @__PURE__ */ new Date()).toISOString()}
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
  (0, import_node_fs4.mkdirSync)((0, import_node_path5.join)(dir, JOB_RECORDS), { recursive: true, mode: 448 });
  (0, import_node_fs4.writeFileSync)((0, import_node_path5.join)(dir, JOB_RECORDS, key), JSON.stringify({ path, created: Date.now() }));
}
async function unpin(dir, key) {
  await git(["-C", dir, "update-ref", "-d", `${JOB_REFS}${key}`]);
  (0, import_node_fs4.rmSync)((0, import_node_path5.join)(dir, JOB_RECORDS, key), { force: true });
}
function realpath(p) {
  try {
    return (0, import_node_fs4.realpathSync)(p);
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
      rec = JSON.parse((0, import_node_fs4.readFileSync)((0, import_node_path5.join)(dir, JOB_RECORDS, key), "utf8"));
    } catch {
    }
    const young = typeof rec.created === "number" && Date.now() - rec.created < PIN_GRACE_MS;
    if (!(rec.path && live.has(realpath(rec.path))) && !young) await unpin(dir, key);
  }
}

// src/park.ts
var import_node_fs5 = require("node:fs");
var import_node_path6 = require("node:path");
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
  (0, import_node_fs5.rmSync)((0, import_node_path6.join)(admin.stdout.trim(), "config.worktree"), { force: true });
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
async function claimParked(mirrorDir, path) {
  const dir = parkDir(mirrorDir);
  if (!exists2(dir)) return false;
  for (const name of (0, import_node_fs5.readdirSync)(dir).sort().reverse()) {
    const from = (0, import_node_path6.join)(dir, name);
    if (exists2(path)) {
      if (!isEmptyDir(path)) {
        warning2(`${path} is not empty: removing what an earlier job left there`);
        emptyDir(path);
      }
      (0, import_node_fs5.rmdirSync)(path);
    }
    const r = await git(["-C", mirrorDir, "worktree", "move", from, path]);
    if (r.code === 0) return true;
    warning2(`dropping the parked worktree ${from}: ${r.stderr.trim()}`);
    await git(["-C", mirrorDir, "worktree", "remove", "--force", from]);
    if (exists2(from)) removeTree(from);
  }
  return false;
}
async function reuseParked(mirrorDir, path, sha) {
  if (await reset(mirrorDir, path, sha)) {
    const at = (await gitOk(["-C", path, "rev-parse", "HEAD"])).trim();
    if (at === sha) return true;
  }
  warning2(`the parked worktree at ${path} could not be reset to ${sha}: adding a fresh one`);
  await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  if (exists2(path)) emptyDir(path);
  await git(["-C", mirrorDir, "worktree", "prune"]);
  return false;
}

// src/worktree.ts
var import_node_fs6 = require("node:fs");
var import_node_path7 = require("node:path");
async function registerWorktree(mirrorDir, path, sha) {
  if ((await liveWorktrees(mirrorDir)).has(realpath(path))) {
    await git(["-C", mirrorDir, "worktree", "remove", "--force", path]);
  }
  if (exists2(path) && !isEmptyDir(path)) {
    warning2(`${path} is not empty: removing what an earlier job left there`);
    emptyDir(path);
  }
  (0, import_node_fs6.mkdirSync)((0, import_node_path7.dirname)(path), { recursive: true });
  await gitOk(["-C", mirrorDir, "worktree", "add", "--detach", "--no-checkout", path, sha]);
  const gitdir = /^gitdir: (.+)$/m.exec((0, import_node_fs6.readFileSync)((0, import_node_path7.join)(path, ".git"), "utf8"))?.[1]?.trim();
  if (!gitdir || realpath((0, import_node_path7.dirname)(gitdir)) !== realpath((0, import_node_path7.join)(mirrorDir, "worktrees"))) throw new Error(`${path}/.git does not point into ${mirrorDir}/worktrees`);
  return (0, import_node_path7.basename)(gitdir);
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
    saveState2(k, v);
  }
  group(`Updating the mirror of ${m.label} in ${m.dir}`);
  const asked = Date.now();
  let target;
  let claimed = false;
  let admin = "";
  process.chdir(o.cacheDir);
  try {
    target = await withLock(m.lock, o.lockTimeoutSeconds, async () => {
      info2(`mirror lock taken after ${Date.now() - asked} ms`);
      const t0 = Date.now();
      await updateMirror(m);
      info2(`mirror updated in ${Date.now() - t0} ms`);
      await sweepJobRefs(m.dir);
      const t = await resolveTarget(m, o.target, key);
      await pin(m.dir, key, t.sha, o.path);
      if (keep > 0) claimed = await claimParked(m.dir, o.path);
      if (!claimed) admin = await registerWorktree(m.dir, o.path, t.sha);
      return t;
    });
  } finally {
    endGroup2();
  }
  const t1 = Date.now();
  if (claimed) {
    if (await reuseParked(m.dir, o.path, target.sha)) {
      info2(`parked worktree of ${m.dir} moved to ${o.path} and reset to ${target.sha} in ${Date.now() - t1} ms`);
      return target;
    }
    const sha = target.sha;
    admin = await withLock(m.lock, o.lockTimeoutSeconds, () => registerWorktree(m.dir, o.path, sha));
  }
  await populateWorktree(o.path);
  info2(`worktree ${admin} of ${m.dir} added at ${o.path} in ${Date.now() - t1} ms`);
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
      warning2(`RUNNER_FLEET_CACHE_DIR is set but ${e.message}: a plain clone instead of the warm mirror`);
    }
  }
  if (result === void 0) {
    saveState2("mode", "clone");
    result = await plainCheckout(o);
  }
  await submodulesAndLfs(o, mode === "worktree");
  setOutput2("commit", result.sha);
  setOutput2("ref", result.ref);
  setOutput2("mode", mode);
  info2(`${o.owner}/${o.repo} ${result.ref || result.sha} checked out at ${result.sha} in ${o.path} (${mode})`);
});
