/**
 * What the Pulumi program sends the control plane by direct invocation at `pulumi up` (besides
 * the broker's function-URL requests and the listener's EventBridge "Scheduled Event"). Imports
 * nothing.
 */

/**
 * Through aws.lambda.Invocation with lifecycleScope CRUD: create or update the named pools' scale
 * sets, or delete them when Pulumi deletes the invocation. The provider adds
 * `tf: { action: "create" | "update" | "delete", prev_input }` (Terraform's key names); an error
 * returned by the function fails the update with its message.
 */
export interface RegisterEvent {
  action: "register";
  /** The pools' identities; the control plane's own config is the authority for their settings. */
  pools: { name: string; scaleSetName: string; runnerGroup: string; githubUrl: string }[];
  tf?: { action: "create" | "update" | "delete"; prev_input?: unknown };
}

/** Fill or refresh the runner mirror in the pool bucket now (at deploy; the schedule refreshes it when due). */
export interface MirrorEvent {
  action: "mirror";
}

export type ControlPlaneEvent = RegisterEvent | MirrorEvent;
