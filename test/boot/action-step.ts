import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile } from "../checkout/runner";

/**
 * Bundled into a booted host and run by a job's step with the runner's own Node: one stage of the
 * bundled checkout action as actions/runner runs a node action step (test/checkout/runner.ts says
 * which rules, from the runner's source): fresh GITHUB_OUTPUT and GITHUB_STATE files, the state
 * main saved handed to post as STATE_<name>, the working directory GITHUB_WORKSPACE. The inputs
 * (INPUT_*) come in the job's environment, computed by the test from action.yml. Prints the
 * outputs as one `::rf-outputs::<json>` line and exits with the stage's code.
 */
const [stage, actionDir] = process.argv.slice(2);
if ((stage !== "main" && stage !== "post") || !actionDir) throw new Error("usage: action-step.js main|post <action dir>");
const temp = process.env.RUNNER_TEMP;
if (!temp) throw new Error("no RUNNER_TEMP");
const output = join(temp, `rf-${stage}-output`);
const stateFile = join(temp, `rf-${stage}-state`);
const saved = join(temp, "rf-action-state.json");
writeFileSync(output, "");
writeFileSync(stateFile, "");
const env: Record<string, string | undefined> = { ...process.env, GITHUB_OUTPUT: output, GITHUB_STATE: stateFile };
if (stage === "post" && existsSync(saved)) for (const [k, v] of Object.entries(JSON.parse(readFileSync(saved, "utf8")) as Record<string, string>)) env[`STATE_${k}`] = v;
const r = spawnSync(process.execPath, [join(actionDir, "dist", `${stage}.js`)], { env, stdio: "inherit", cwd: process.env.GITHUB_WORKSPACE });
if (stage === "main") writeFileSync(saved, JSON.stringify(parseEnvFile(readFileSync(stateFile, "utf8"))));
process.stdout.write(`::rf-outputs::${JSON.stringify(parseEnvFile(readFileSync(output, "utf8")))}\n`);
process.exit(r.status ?? 1);
