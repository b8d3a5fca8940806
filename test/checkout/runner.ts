import { spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO } from "../helpers/env";

/**
 * Runs checkout/dist/{main,post}.js the way actions/runner 2.336.0 runs a node action step, read
 * from its source (src/Runner.Worker): every input declared in action.yml becomes INPUT_<NAME>
 * (Handler.cs AddInputsToEnvironment: spaces to "_", upper-cased), with the declared default when
 * the workflow gives none; GITHUB_STATE and GITHUB_OUTPUT name fresh files per step, parsed after
 * the step whatever its exit code (ActionRunner.cs, FileCommandManager.cs) as NAME=VALUE or
 * NAME<<DELIMITER lines; state comes back to the post step as STATE_<name>; the working directory
 * is GITHUB_WORKSPACE (NodeScriptActionHandler.cs), and a step cannot start when that directory
 * is gone; `::add-mask::` lines are taken out of the log. Stricter than the runner where that
 * costs nothing: an input action.yml does not declare, or a default using any expression other
 * than github.<name>, is an error here (the runner only warns or evaluates it).
 */
export const ACTION_DIR = join(REPO, "checkout");

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; main: string; post: string; "post-if"?: string };
}
export const actionYml = (): ActionYml => parse(readFileSync(join(ACTION_DIR, "action.yml"), "utf8")) as ActionYml;

export interface Job {
  workspace: string;
  /** github context values the defaults may use, and the GITHUB_* variables. */
  github: { repository: string; sha: string; ref: string; token: string; server_url: string };
  /** Runner environment (RUNNER_FLEET_CACHE_DIR, PATH...). */
  env: Record<string, string>;
  with: Record<string, string>;
  /** Run the step as this uid (and gid), like a slot of an EC2 host; needs root. */
  uid?: number;
}

export interface Step {
  code: number;
  /** What the runner would show, masks applied. */
  log: string;
  /** Everything the process printed except add-mask commands, before masking. */
  raw: string;
  masks: string[];
  errors: string[];
  warnings: string[];
  outputs: Record<string, string>;
  state: Record<string, string>;
}

/** The runner's env-file format (FileCommandManager.cs EnvFileKeyValuePairs), written anew. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const hd = line.indexOf("<<");
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (hd >= 0) {
      const name = line.slice(0, hd);
      const delim = line.slice(hd + 2);
      if (!name || !delim) throw new Error(`Invalid format '${line}'. Name must not be empty and delimiter must not be empty`);
      const value: string[] = [];
      for (i++; ; i++) {
        if (i >= lines.length) throw new Error(`Invalid value. Matching delimiter not found '${delim}'`);
        if (lines[i] === delim) break;
        value.push(lines[i]!);
      }
      out[name] = value.join("\n");
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return out;
}

const unescapeData = (s: string) => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");

function evalDefault(value: string, job: Job): string {
  const m = /^\$\{\{\s*github\.(\w+)\s*\}\}$/.exec(value);
  if (m) {
    const v = (job.github as unknown as Record<string, string | undefined>)[m[1]!];
    if (v === undefined) throw new Error(`emulator: github.${m[1]} is not in the job's github context`);
    return v;
  }
  if (value.includes("${{")) throw new Error(`emulator: unsupported expression in a default: ${value}`);
  return value;
}

export function inputEnv(job: Job): Record<string, string> {
  const declared = actionYml().inputs;
  for (const k of Object.keys(job.with)) if (!(k in declared)) throw new Error(`emulator: input '${k}' is not declared in action.yml`);
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = job.with[name] ?? evalDefault(String(spec.default ?? ""), job);
  }
  return env;
}

export async function runStep(stage: "main" | "post", job: Job, state: Record<string, string> = {}): Promise<Step> {
  const meta = actionYml();
  const files = mkdtempSync(join(tmpdir(), "runner-files-"));
  const stateFile = join(files, "save_state");
  const outputFile = join(files, "set_output");
  writeFileSync(stateFile, "");
  writeFileSync(outputFile, "");
  mkdirSync(join(files, "temp"));
  if (job.uid !== undefined) for (const p of [files, stateFile, outputFile, join(files, "temp")]) chownSync(p, job.uid, job.uid);
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: job.env.HOME ?? files,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_REPOSITORY: job.github.repository,
    GITHUB_SHA: job.github.sha,
    GITHUB_REF: job.github.ref,
    GITHUB_SERVER_URL: job.github.server_url,
    RUNNER_TEMP: join(files, "temp"),
    GITHUB_STATE: stateFile,
    GITHUB_OUTPUT: outputFile,
    ...job.env,
    ...inputEnv(job),
  };
  for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v;
  const script = join(ACTION_DIR, stage === "main" ? meta.runs.main : meta.runs.post);

  const empty = (code: number, raw: string): Step => ({ code, log: raw, raw, masks: [], errors: [raw], warnings: [], outputs: {}, state: {} });
  if (!existsSync(job.workspace)) return empty(-1, `cannot start: working directory ${job.workspace} does not exist`);

  const { code, text } = await new Promise<{ code: number; text: string }>((res) => {
    const ids = job.uid === undefined ? {} : { uid: job.uid, gid: job.uid };
    const child = spawn(process.execPath, [script], { cwd: job.workspace, env, stdio: ["ignore", "pipe", "pipe"], ...ids });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.stderr.on("data", (b: Buffer) => chunks.push(b));
    child.on("close", (c) => res({ code: c ?? 1, text: Buffer.concat(chunks).toString("utf8") }));
  });

  const masks: string[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  const rawLines: string[] = [];
  for (const line of text.split("\n")) {
    const t = line.trimStart();
    if (t.startsWith("::add-mask::")) {
      masks.push(unescapeData(t.slice(12)));
      continue;
    }
    if (t.startsWith("::error")) errors.push(unescapeData(t.slice(t.indexOf("::", 2) + 2)));
    if (t.startsWith("::warning")) warnings.push(unescapeData(t.slice(t.indexOf("::", 2) + 2)));
    rawLines.push(line);
  }
  const raw = rawLines.join("\n");
  let log = raw;
  for (const m of masks.filter(Boolean)) log = log.split(m).join("***");
  return { code, log, raw, masks, errors, warnings, outputs: parseEnvFile(readFileSync(outputFile, "utf8")), state: parseEnvFile(readFileSync(stateFile, "utf8")) };
}

/** A `git` and `flock` first on PATH that record their argv (NUL-separated) before running the real ones. */
export function argvRecorder(dir: string): { path: string; log: string } {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "argv.log");
  writeFileSync(log, "");
  chmodSync(log, 0o666); // jobs may run under their own uid
  for (const tool of ["git", "flock"]) {
    const real = tool === "git" ? "/usr/bin/git" : "/usr/bin/flock";
    writeFileSync(join(dir, tool), `#!/bin/sh\nprintf '%s\\0' "${tool}" "$@" >> '${log}'\nprintf '\\n' >> '${log}'\nexec ${real} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return { path: `${dir}:/usr/local/bin:/usr/bin:/bin`, log };
}
