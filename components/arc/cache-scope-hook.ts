import { REPO_PLACEHOLDER, SCOPE_PLACEHOLDER, SCOPED_TEMPLATE_FILE, WRITER_TEMPLATE_FILE } from "./hook-template-names";

/** Events on the default branch that only people with write access can start: they write the shared part. */
export const WRITER_EVENTS = ["push", "schedule", "workflow_dispatch"] as const;

export interface CacheScopeHookOptions {
  /** Where the two job templates are (the hook ConfigMap, read-only in the runner container). */
  templatesDir: string;
  /** The instance's whole cache volume, as the runner container mounts it. */
  cacheRoot: string;
  /** Where to write this job's template (outside the work volume the job pod shares). */
  templateOut: string;
  /** The chart's hook to hand over to, and the runner install whose node runs it. */
  chartHook: string;
  runnerRoot: string;
  defaultBranch: string;
}

/**
 * The runner's container hook for a ref-scoped cache (ACTIONS_RUNNER_CONTAINER_HOOKS). The runner
 * runs it in the runner container for every hook command (prepare_job before any step of the job,
 * then run_container_step, cleanup_job) with GITHUB_* taken from the job's github context, which
 * GitHub sends and no step can change (actions/runner: ContainerHookManager passes an empty
 * environment and ScriptHandler adds the github context's variables last). From them it picks:
 *
 * - push, schedule or workflow_dispatch on the default branch: the repository's shared part,
 *   writable;
 * - any other job: the shared part read-only, plus a part of its own keyed by (event, ref), as
 *   actions/cache keys a pull request's caches by its ref.
 *
 * Each repository has its own parts (keyed by GITHUB_REPOSITORY_ID), so an organisation-wide set
 * never shows one repository's cache to another. It creates the directories (refusing any path
 * component that is not a plain directory: a link planted earlier could point a mount elsewhere),
 * writes the chosen template with the checked values, and execs the chart's hook with the same
 * standard input. It reads nothing a job can write: not the event payload, not the work volume.
 */
export function cacheScopeHookScript(o: CacheScopeHookOptions): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'"'"'`)}'`;
  return `#!/bin/sh
# runner-fleet: the cache scope of this job, decided by the runner side (see cache-scope-hook.ts).
set -eu
templates=${q(o.templatesDir)}
root=${q(o.cacheRoot)}
out=${q(o.templateOut)}
chart_hook=${q(o.chartHook)}
runner_root=${q(o.runnerRoot)}
default_ref=${q(`refs/heads/${o.defaultBranch}`)}

fail() {
  echo "runner-fleet cache scope: $*" >&2
  exit 1
}

repo=\${GITHUB_REPOSITORY_ID:-}
event=\${GITHUB_EVENT_NAME:-}
ref=\${GITHUB_REF:-}
case $repo in '' | *[!0-9]*) fail "GITHUB_REPOSITORY_ID is not a number: '$repo'" ;; esac
case $event in '' | *[!a-z_]*) fail "GITHUB_EVENT_NAME is not an event name: '$event'" ;; esac

writer=no
if [ "$ref" = "$default_ref" ]; then
  case $event in ${WRITER_EVENTS.join(" | ")}) writer=yes ;; esac
fi
if [ "$writer" = yes ]; then
  scope=shared
  template=${WRITER_TEMPLATE_FILE}
else
  key=$(printf '%s\\n%s' "$event" "$ref" | sha256sum | cut -c1-32)
  scope="$event-$key"
  template=${SCOPED_TEMPLATE_FILE}
fi

# One component at a time: each must be a directory this hook made, never a link.
dir() {
  p="$root/$1"
  mkdir "$p" 2>/dev/null || true
  if [ -L "$p" ] || [ ! -d "$p" ]; then fail "$1 in the cache is not a plain directory"; fi
}
dir repos
dir "repos/$repo"
dir "repos/$repo/shared"
dir "repos/$repo/scopes"
# Writable by whatever user the job's image runs as; only pods of the scope mount it read-write.
chmod 0777 "$root/repos/$repo/shared"
if [ "$writer" = no ]; then
  dir "repos/$repo/scopes/$scope"
  chmod 0777 "$root/repos/$repo/scopes/$scope"
fi

sed -e "s/${REPO_PLACEHOLDER}/$repo/g" -e "s/${SCOPE_PLACEHOLDER}/$scope/g" "$templates/$template" >"$out"
ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE=$out
export ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE

# The node the runner itself runs .js hooks with (externals/node*).
for n in node24 node20; do
  if [ -x "$runner_root/externals/$n/bin/node" ]; then exec "$runner_root/externals/$n/bin/node" "$chart_hook"; fi
done
fail "no node in $runner_root/externals"
`;
}
