import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";

/** Job pods of kubernetes-mode sets run as this account: no RBAC binds it, and no token is mounted. */
export const JOB_SERVICE_ACCOUNT = "runner-fleet-job";
/** Where the runner pod finds the hook template, and the env var actions/runner-container-hooks reads. */
export const HOOK_TEMPLATE_DIR = "/home/runner/runner-fleet-hooks";
export const HOOK_TEMPLATE_FILE = "job-template.yaml";
export const HOOK_TEMPLATE_ENV = "ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE";
export const HOOK_TEMPLATE_VOLUME = "runner-fleet-hook-template";

/** kubernetes and kubernetes-novolume run each job in a pod of its own, shaped by the container hooks. */
export function usesContainerHooks(set: Pick<RunnerSetModel, "containerMode">): boolean {
  return set.containerMode === "kubernetes" || set.containerMode === "kubernetes-novolume";
}

export function hookTemplateConfigMapName(inst: Pick<ScaleSetInstance, "name">): string {
  return `${inst.name}-hook-template`;
}
