import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentBundle } from "../../components/aws/agent-bundle";

export const IS_ROOT = process.getuid?.() === 0;

/**
 * A stand-in for the runner tarball: run.sh behaves like a JIT runner (waits for a job, runs the job
 * hooks around it, exits); config.sh records its arguments and writes .runner.
 */
export function fakeRunnerDir(root: string, ctrl: string): string {
  const dir = join(root, "actions-runner");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "run.sh"),
    `#!/bin/sh
set -eu
ctrl='${ctrl}'
if [ "$#" -eq 0 ]; then
  # A persistent runner: takes jobs one after another in the work folder config.sh was given.
  name=$(basename "$(pwd)")
  work=$(sed -n 's/.*"work": "\\([^"]*\\)".*/\\1/p' .runner)
  while :; do
    for j in "$ctrl"/queue/job-*; do
      [ -e "$j" ] || continue
      if mv "$j" "$RUNNER_FLEET_STATE/claimed" 2>/dev/null; then
        GITHUB_WORKSPACE="$work/repo/repo"
        export GITHUB_WORKSPACE
        mkdir -p "$GITHUB_WORKSPACE"
        entries=$(ls -A "$GITHUB_WORKSPACE" | wc -l)
        "$ACTIONS_RUNNER_HOOK_JOB_STARTED"
        echo built > "$GITHUB_WORKSPACE/out"
        "$ACTIONS_RUNNER_HOOK_JOB_COMPLETED"
        left=$(ls -A "$GITHUB_WORKSPACE" | wc -l)
        printf '{"entriesAtStart":%s,"entriesAfter":%s}\\n' "$entries" "$left" >> "$ctrl/records/persistent-$name.jsonl"
      fi
    done
    sleep 0.05
  done
fi
cfg=$(printf '%s' "$2" | base64 -d)
name=$(printf '%s' "$cfg" | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')
work=$(printf '%s' "$cfg" | sed -n 's/.*"workFolder":"\\([^"]*\\)".*/\\1/p')
while :; do
  for j in "$ctrl"/queue/job-*; do
    [ -e "$j" ] || continue
    if mv "$j" "$RUNNER_FLEET_STATE/claimed" 2>/dev/null; then
      "$ACTIONS_RUNNER_HOOK_JOB_STARTED"
      entries=$(ls -A "$work" | wc -l)
      printf '{"name":"%s","uid":%s,"work":"%s","entriesAtStart":%s,"arg":"%s"}\\n' "$name" "$(id -u)" "$work" "$entries" "$1" > "$ctrl/records/$name.json"
      mkdir -p "$work/src" && echo built > "$work/src/out"
      sleep 0.3
      "$ACTIONS_RUNNER_HOOK_JOB_COMPLETED"
      exit 0
    fi
  done
  sleep 0.05
done
`,
    { mode: 0o755 },
  );
  writeFileSync(
    join(dir, "config.sh"),
    `#!/bin/sh
set -eu
printf '%s\\n' "$@" > '${ctrl}'/records/config-$(basename "$(pwd)").args
work=""
while [ "$#" -gt 0 ]; do [ "$1" = "--work" ] && work="$2"; shift; done
printf '{"agentId": 90%s, "agentName": "fake", "work": "%s"}' "$(basename "$(pwd)")" "$work" > .runner
`,
    { mode: 0o755 },
  );
  return dir;
}

export interface Host {
  root: string;
  ctrl: string;
  workRoot: string;
  slotsRoot: string;
  runnerDir: string;
  configPath: string;
}

export function makeHost(): Host {
  const root = mkdtempSync(join(tmpdir(), "agent-"));
  chmodSync(root, 0o755);
  const ctrl = join(root, "ctrl");
  for (const d of ["queue", "records"]) {
    mkdirSync(join(ctrl, d), { recursive: true });
    chmodSync(join(ctrl, d), 0o777);
  }
  chmodSync(ctrl, 0o755);
  return { root, ctrl, workRoot: join(root, "work"), slotsRoot: join(root, "slots"), runnerDir: fakeRunnerDir(root, ctrl), configPath: join(root, "agent.json") };
}

let bundlePath: string | undefined;
export function bundle(): string {
  if (bundlePath) return bundlePath;
  const dir = mkdtempSync(join(tmpdir(), "agent-bundle-"));
  bundlePath = join(dir, "agent.js");
  writeFileSync(bundlePath, agentBundle().code);
  return bundlePath;
}

export interface RunningAgent {
  proc: ChildProcess;
  lines: string[];
  exit: Promise<number | null>;
}

export function runAgent(host: Host, config: Record<string, unknown>): RunningAgent {
  writeFileSync(host.configPath, JSON.stringify(config, null, 2));
  const proc = spawn(process.execPath, [bundle(), host.configPath], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const collect = (b: Buffer) => lines.push(...b.toString().split("\n").filter(Boolean));
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  const exit = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, lines, exit };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function enqueueJobs(host: Host, n: number): void {
  for (let i = 0; i < n; i++) writeFileSync(join(host.ctrl, "queue", `job-${Date.now()}-${i}`), "");
}

export function jobRecords(host: Host): { name: string; uid: number; work: string; entriesAtStart: number; arg: string }[] {
  return readdirSync(join(host.ctrl, "records"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(host.ctrl, "records", f), "utf8")) as { name: string; uid: number; work: string; entriesAtStart: number; arg: string });
}
