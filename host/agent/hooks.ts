/**
 * Job hook scripts (ACTIONS_RUNNER_HOOK_JOB_STARTED / _COMPLETED), root-owned outside every slot.
 * They run as the slot's user and only touch a marker in the slot's state: how the agent knows a
 * slot is busy (a slot faking it only keeps its own host up).
 */
export const JOB_STARTED_HOOK = `#!/bin/sh
set -eu
: > "$RUNNER_FLEET_STATE/job"
`;

export const JOB_COMPLETED_HOOK = `#!/bin/sh
set -eu
rm -f "$RUNNER_FLEET_STATE/job"
`;
