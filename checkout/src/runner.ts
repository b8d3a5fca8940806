import * as core from "@actions/core";

/**
 * The actions/runner contract (inputs, state, outputs, masking, annotations) through
 * @actions/core, which GitHub maintains alongside the runner, instead of our own copy of it. The
 * names the rest of the action uses stay as they were; this file only adds what core leaves to
 * the caller: masking what this process prints itself, and a refusal the user can act on.
 */

/** An input as the runner passes it (INPUT_<NAME>), trimmed; "" when unset. */
export const input = (name: string): string => core.getInput(name);

/** What the main step saved, in the post step (STATE_<name>). */
export const state = (name: string): string => core.getState(name);

export const saveState = (name: string, value: string): void => core.saveState(name, value);
export const setOutput = (name: string, value: string): void => core.setOutput(name, value);

const secrets = new Set<string>();

/**
 * Asks the runner to mask `value` in the job log, and masks it in everything this process prints
 * itself (git's stderr, error messages), which the runner would mask too: the log is not the only
 * reader of this process's output when a test or a wrapper runs it.
 */
export function addMask(value: string): void {
  if (!value) return;
  secrets.add(value);
  core.setSecret(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}

export const info = (msg: string): void => core.info(redact(msg));
export const warning = (msg: string): void => core.warning(redact(msg));
export const error = (msg: string): void => core.error(redact(msg));
export const group = (title: string): void => core.startGroup(redact(title));
export const endGroup = (): void => core.endGroup();

/** A refusal the user can act on: names the input (or setting) at fault. */
export class Refusal extends Error {}

/** Runs an entry point the way the runner expects: an ::error:: line and exit code 1 on failure. */
export function run(entry: () => Promise<void>): void {
  entry().then(
    () => undefined,
    (e: unknown) => core.setFailed(redact(e instanceof Error ? e.message : String(e))),
  );
}
