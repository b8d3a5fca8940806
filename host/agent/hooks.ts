/**
 * Job hook scripts (ACTIONS_RUNNER_HOOK_JOB_STARTED / _COMPLETED). They run as the runner user and
 * only touch a marker in the slot's state directory, which is how the agent knows a slot is busy.
 */
export const JOB_STARTED_HOOK = `#!/bin/sh
set -eu
: > "$RUNNER_FLEET_STATE/job"
`;

export const JOB_COMPLETED_HOOK = `#!/bin/sh
set -eu
if [ "\${RUNNER_FLEET_WIPE_WORKSPACE:-}" = 1 ] && [ -d "\${GITHUB_WORKSPACE:-}" ]; then
  find "$GITHUB_WORKSPACE" -mindepth 1 -delete
fi
rm -f "$RUNNER_FLEET_STATE/job"
`;
