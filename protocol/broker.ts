/**
 * The broker protocol: what a host's agent asks the control plane over the Lambda function URL, and
 * what it gets back. The caller is never named in the body: the broker takes the instance id from
 * the SigV4-verified role session in the request context (assumed-role/<role>/<instance-id>).
 * Every request is `POST /` with a JSON body; every answer is JSON.
 */

export const BROKER_PROTOCOL_VERSION = 1;

/** A JIT runner config for one slot of the calling instance. */
export interface JitRequest {
  v: 1;
  action: "jit";
  /** The pool the caller believes it belongs to; checked against the instance's Auto Scaling group. */
  pool: string;
  /** 1-based slot index, ≤ the pool's runnersPerHost. */
  slot: number;
  /** The runner version the slot will run, so the control plane can see hosts falling behind. */
  runnerVersion?: string;
}

export interface JitAnswer {
  v: 1;
  runnerName: string;
  runnerId: number;
  scaleSetId: number;
  /** Passed to the runner in ACTIONS_RUNNER_INPUT_JITCONFIG, never on argv. Not a credential of the org. */
  encodedJitConfig: string;
}

/** Remove the caller's own runners (spot notice, shutdown, idle leave). Runner ids of other instances are refused. */
export interface DeregisterRequest {
  v: 1;
  action: "deregister";
  pool: string;
  /** Omitted: every runner the broker issued to the calling instance. */
  runnerIds?: number[];
}

export interface DeregisterAnswer {
  v: 1;
  removed: number[];
}

/**
 * Take the calling instance out of its Auto Scaling group: the broker terminates exactly that
 * instance (hosts hold no terminate permission of their own, since IAM cannot narrow Auto
 * Scaling's terminate to the caller's own instance). The agent deregisters its runners first.
 */
export interface LeaveRequest {
  v: 1;
  action: "leave";
  pool: string;
  /**
   * Lower the group's desired capacity with it (idle leave; recycleAfterJob first asks with it),
   * or let the group replace the host (spot notice; recycleAfterJob at the group's floor).
   * With decrement at the floor the broker answers the refusal `at-minimum`.
   */
  decrement: boolean;
  reason: LeaveReason;
}

export type LeaveReason = "idle" | "spot" | "recycle";

export interface LeaveAnswer {
  v: 1;
  /** Auto Scaling accepted the termination; the instance is Terminating. */
  left: true;
  decremented: boolean;
}

/** Host lifecycle events the reaper and metrics use (a failed install lets the reaper replace the host). */
export interface ReportRequest {
  v: 1;
  action: "report";
  pool: string;
  event: HostEvent;
  /** Short, already redacted, at most 1,000 characters. */
  detail?: string;
}

export type HostEvent = "install-failed" | "install-done" | "registered" | "leaving" | "spot-interruption" | "runner-rollover";

export interface ReportAnswer {
  v: 1;
  accepted: true;
}

export type BrokerRequest = JitRequest | DeregisterRequest | ReportRequest | LeaveRequest;

/**
 * Refusals: `retryable` tells the agent whether to back off and ask again (throttled, GitHub down)
 * or to stop asking for this slot (not in service, wrong pool, slot limit).
 */
export type BrokerErrorCode =
  | "bad-request" // 400: malformed body, unknown action, slot out of range
  | "unauthenticated" // 403: no verified caller in the request context, or not an instance role session
  | "unknown-instance" // 403: the instance is in no pool group
  | "wrong-pool" // 403: the instance is in another pool's group
  | "not-in-service" // 409: the instance is not InService (or in an allowed warm-pool state)
  | "slot-limit" // 409: the instance already holds runnersPerHost live runners
  | "at-minimum" // 409: leaving with decrement would take the group below its minimum size (AWS's refusal)
  | "throttled" // 429: GitHub or AWS throttled us; retry after `retryAfterSeconds`
  | "upstream" // 502/503: GitHub or AWS failed; retry
  | "internal"; // 500

export interface BrokerError {
  v: 1;
  error: { code: BrokerErrorCode; message: string; retryable: boolean; retryAfterSeconds?: number };
}

/** HTTP status the broker answers each refusal with. */
export const BROKER_ERROR_STATUS: Record<BrokerErrorCode, number> = {
  "bad-request": 400,
  unauthenticated: 403,
  "unknown-instance": 403,
  "wrong-pool": 403,
  "not-in-service": 409,
  "slot-limit": 409,
  "at-minimum": 409,
  throttled: 429,
  upstream: 503,
  internal: 500,
};

/** GitHub refuses runner names over 64 characters. */
export const RUNNER_NAME_MAX = 64;
