import { join } from "node:path";
import type { AgentConfig } from "../../protocol/agent-config";

type DockerMode = AgentConfig["docker"];

/**
 * A slot's own rootless docker daemon, started as the slot's user in the runner's own unit before
 * run.sh (so it dies with the job's cgroup, or with every process of the slot's uid), its socket
 * under the slot's 0700 runtime dir: no other slot can reach its containers. Its data (images,
 * containers, volumes, its config dir) lives in the slot's state, outside the job's HOME, so it
 * goes with the job's tree when the slot is ephemeral: no job meets an image a previous job
 * tagged. run-helper.sh waits for it (RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, `docker ps`).
 */
export const ROOTLESS_WRAPPER = `set -eu
data=$1; shift
mkdir -p "$XDG_RUNTIME_DIR" "$data"
chmod 700 "$XDG_RUNTIME_DIR" "$data"
XDG_CONFIG_HOME=$data/config XDG_DATA_HOME=$data/share dockerd-rootless.sh --data-root "$data/root" > "$XDG_RUNTIME_DIR/dockerd.log" 2>&1 &
exec "$@"`;

export function dockerEnv(mode: DockerMode, state: string): Record<string, string> {
  if (mode === "none") return {};
  if (mode === "rootful") return { RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "60" };
  const run = join(state, "run");
  return { XDG_RUNTIME_DIR: run, DOCKER_HOST: `unix://${run}/docker.sock`, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "120" };
}

export function runnerArgv(mode: DockerMode, runSh: string, state: string): string[] {
  return mode === "rootless" ? ["/bin/sh", "-c", ROOTLESS_WRAPPER, "rf-dockerd", join(state, "docker"), runSh] : [runSh];
}
