/**
 * What the Pulumi program and the schedules send the control plane functions (besides the
 * broker's function-URL requests). Imports nothing.
 */

/**
 * At `pulumi up`, through aws.lambda.Invocation with lifecycleScope CRUD: create or update the
 * named pools' scale sets (delete them when Pulumi deletes the invocation). The provider adds
 * `tf: { action: "create" | "update" | "delete", prevInput }`; a thrown error fails the update.
 */
export interface RegisterEvent {
  action: "register";
  pools: string[];
  tf?: { action: "create" | "update" | "delete"; prevInput?: unknown };
}

/** Refresh the runner mirror in the pool bucket (at deploy and daily). */
export interface MirrorEvent {
  action: "mirror";
  tf?: { action: "create" | "update" | "delete"; prevInput?: unknown };
}

/** The listener's 1-minute schedule: long-poll every pool's scale set, scale, reap. */
export interface ListenEvent {
  action: "listen";
}

export type ControlPlaneEvent = RegisterEvent | MirrorEvent | ListenEvent;
