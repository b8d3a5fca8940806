import { stringify } from "yaml";
import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";
import { cacheScopeHookScript } from "./cache-scope-hook";
import { CACHE_ROOT_IN_RUNNER, CACHE_SCOPE_HOOK_FILE, CHART_HOOKS, HOOK_TEMPLATE_DIR, JOB_TEMPLATE_OUT, RUNNER_ROOT, usesContainerHooks } from "./hook-template-names";
import { jobPodTemplates } from "./job-pod-template";

/** What an instance's hook ConfigMap holds: its job template(s) and, with ref scoping, the hook that picks one per job. */
export function hookConfigMapData(set: RunnerSetModel, inst: ScaleSetInstance): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [file, tpl] of Object.entries(jobPodTemplates(set, inst))) data[file] = stringify(tpl);
  const scope = inst.cache?.scope;
  if (scope?.kind === "ref" && usesContainerHooks(set)) {
    data[CACHE_SCOPE_HOOK_FILE] = cacheScopeHookScript({
      templatesDir: HOOK_TEMPLATE_DIR,
      cacheRoot: CACHE_ROOT_IN_RUNNER,
      templateOut: JOB_TEMPLATE_OUT,
      chartHook: CHART_HOOKS[set.containerMode],
      runnerRoot: RUNNER_ROOT,
      defaultBranch: scope.defaultBranch,
    });
  }
  return data;
}
