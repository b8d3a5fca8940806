import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { EOL } from "node:os";

/**
 * The actions/runner contract for a JavaScript action, written against the runner's source
 * (v2.336.0): inputs arrive as INPUT_<NAME> (name upper-cased, spaces to "_": Handler.cs
 * AddInputsToEnvironment), state saved to the file named by GITHUB_STATE comes back to the post
 * step as STATE_<name> with the name as written (ActionRunner.cs), outputs go to GITHUB_OUTPUT,
 * and both files are parsed as NAME=VALUE or NAME<<DELIMITER lines (FileCommandManager.cs).
 */

export function input(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

export function state(name: string): string {
  return process.env[`STATE_${name}`] ?? "";
}

/** The heredoc form with a fresh delimiter, so a value can hold "=", newlines or anything else. */
function fileCommand(envName: "GITHUB_STATE" | "GITHUB_OUTPUT", name: string, value: string): void {
  const file = process.env[envName];
  if (!file) throw new Error(`${envName} is not set: this must run as a step of a GitHub Actions job`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`${name}: value contains the delimiter`);
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`);
}

export const saveState = (name: string, value: string): void => fileCommand("GITHUB_STATE", name, value);
export const setOutput = (name: string, value: string): void => fileCommand("GITHUB_OUTPUT", name, value);

// Escapes of ActionCommand.cs: data escapes %, CR, LF.
const escapeData = (s: string): string => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

const secrets = new Set<string>();

/** Asks the runner to mask `value` and masks it in everything this process prints itself. */
export function addMask(value: string): void {
  if (!value) return;
  secrets.add(value);
  process.stdout.write(`::add-mask::${escapeData(value)}${EOL}`);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}

export const info = (msg: string): void => void process.stdout.write(`${redact(msg)}${EOL}`);
export const warning = (msg: string): void => void process.stdout.write(`::warning::${escapeData(redact(msg))}${EOL}`);
export const error = (msg: string): void => void process.stdout.write(`::error::${escapeData(redact(msg))}${EOL}`);
export const group = (title: string): void => void process.stdout.write(`::group::${escapeData(redact(title))}${EOL}`);
export const endGroup = (): void => void process.stdout.write(`::endgroup::${EOL}`);

/** A refusal the user can act on: names the input (or setting) at fault. */
export class Refusal extends Error {}

/** Runs an entry point the way the runner expects: an ::error:: line and exit code 1 on failure. */
export function run(entry: () => Promise<void>): void {
  entry().then(
    () => undefined,
    (e: unknown) => {
      error(e instanceof Refusal ? e.message : e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
