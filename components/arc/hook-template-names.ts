import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";

/** Job pods of kubernetes-mode sets run as this account: no RBAC binds it, and no token is mounted. */
export const JOB_SERVICE_ACCOUNT = "runner-fleet-job";
/** Where the runner pod finds the hook template, and the env var actions/runner-container-hooks reads. */
export const HOOK_TEMPLATE_DIR = "/home/runner/runner-fleet-hooks";
export const HOOK_TEMPLATE_FILE = "job-template.yaml";
export const HOOK_TEMPLATE_ENV = "ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE";
export const HOOK_TEMPLATE_VOLUME = "runner-fleet-hook-template";

/** The script the runner runs as its container hook (actions/runner ContainerHookManager: .sh runs under bash). */
export const HOOKS_ENV = "ACTIONS_RUNNER_CONTAINER_HOOKS";
/** Ours: decides the job's cache scope, then hands over to the chart's hook. */
export const CACHE_SCOPE_HOOK_FILE = "cache-scope-hook.sh";
/** The two job templates it chooses from: trusted default-branch jobs, and every other job. */
export const WRITER_TEMPLATE_FILE = "job-template-writer.yaml";
export const SCOPED_TEMPLATE_FILE = "job-template-scoped.yaml";
/** Placeholders in those templates, replaced by the hook with values it has checked (digits; [a-z0-9_-]). */
export const REPO_PLACEHOLDER = "@RUNNER_FLEET_REPO@";
export const SCOPE_PLACEHOLDER = "@RUNNER_FLEET_SCOPE@";
/** In a ref-scoped kubernetes-mode set, the runner container (never a job) holds the whole cache volume here. */
export const CACHE_ROOT_IN_RUNNER = "/home/runner/runner-fleet-cache";
/** The job template the hook writes for the job, in the runner container's own /tmp (no job can reach it). */
export const JOB_TEMPLATE_OUT = "/tmp/runner-fleet-job-template.yaml";
/** The runner image's install root: its bundled node (externals/) and the chart's hooks live there. */
export const RUNNER_ROOT = "/home/runner";

/** The hook the gha-runner-scale-set chart sets per mode (templates/_helpers.tpl at 0.14.2), which ours hands over to. */
export const CHART_HOOKS: Record<"kubernetes" | "kubernetes-novolume", string> = {
  kubernetes: `${RUNNER_ROOT}/k8s/index.js`,
  "kubernetes-novolume": `${RUNNER_ROOT}/k8s-novolume/index.js`,
};

/** kubernetes and kubernetes-novolume run each job in a pod of its own, shaped by the container hooks. */
export function usesContainerHooks(set: Pick<RunnerSetModel, "containerMode">): set is Pick<RunnerSetModel, "containerMode"> & { containerMode: "kubernetes" | "kubernetes-novolume" } {
  return set.containerMode === "kubernetes" || set.containerMode === "kubernetes-novolume";
}

export function hookTemplateConfigMapName(inst: Pick<ScaleSetInstance, "name">): string {
  return `${inst.name}-hook-template`;
}

/** Does the runner's hook decide this instance's cache scope per job? */
export function scopedByRef(inst: Pick<ScaleSetInstance, "cache">): boolean {
  return inst.cache?.scope.kind === "ref";
}
