import { join } from "node:path";

/**
 * A slot's own rootless docker daemon, started as the slot's user in the runner's own unit before
 * run.sh (so it dies with the job's cgroup, or with every process of the slot's uid), its socket
 * under the slot's 0700 runtime dir: no other slot can reach its containers. run-helper.sh waits
 * for it (RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, `docker ps`).
 */
export const ROOTLESS_WRAPPER = `set -eu
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
dockerd-rootless.sh > "$XDG_RUNTIME_DIR/dockerd.log" 2>&1 &
exec "$@"`;

export function dockerEnv(mode: "none" | "rootless" | "rootful", state: string): Record<string, string> {
  if (mode === "none") return {};
  if (mode === "rootful") return { RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "60" };
  const run = join(state, "run");
  return { XDG_RUNTIME_DIR: run, DOCKER_HOST: `unix://${run}/docker.sock`, RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: "120" };
}

export function runnerArgv(mode: "none" | "rootless" | "rootful", runSh: string): string[] {
  return mode === "rootless" ? ["/bin/sh", "-c", ROOTLESS_WRAPPER, "rf-dockerd", runSh] : [runSh];
}
