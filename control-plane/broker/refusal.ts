import { BROKER_ERROR_STATUS, type BrokerError, type BrokerErrorCode } from "../../protocol/broker";
import { ScaleSetError } from "../scaleset/api";
import { RecordConflict } from "./records";

/** A refusal the broker answers with; thrown anywhere in a request, turned into the protocol's error JSON. */
export class Refusal extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "Refusal";
  }
}

const RETRYABLE: ReadonlySet<BrokerErrorCode> = new Set(["throttled", "upstream", "internal"]);

export function errorBody(r: Refusal): BrokerError {
  return {
    v: 1,
    error: {
      code: r.code,
      message: r.message,
      retryable: RETRYABLE.has(r.code),
      ...(r.retryAfterSeconds !== undefined ? { retryAfterSeconds: r.retryAfterSeconds } : {}),
    },
  };
}

export const statusOf = (r: Refusal): number => BROKER_ERROR_STATUS[r.code];

const AWS_THROTTLE = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown", "RequestLimitExceeded"]);

/** Failures of GitHub or AWS as refusals the agent can act on; the message names no secret. */
export function asRefusal(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  if (e instanceof RecordConflict) return new Refusal("throttled", "another request for this slot is in progress", 1);
  if (e instanceof ScaleSetError) {
    if (e.kind === "throttled") return new Refusal("throttled", "GitHub throttled the control plane", Math.max(1, Math.ceil((e.retryAfterMs ?? 10_000) / 1000)));
    return new Refusal("upstream", `GitHub answered ${e.status} (${e.kind})`);
  }
  const name = (e as { name?: unknown }).name;
  if (typeof name === "string" && AWS_THROTTLE.has(name)) return new Refusal("throttled", "AWS throttled the control plane", 5);
  // Any other refusal of a request the broker made for the caller (Auto Scaling's "no such
  // instance", "already terminating"): the host may try again later; AWS's text names no secret.
  if (name === "ValidationError") return new Refusal("upstream", `AWS refused: ${String((e as { message?: unknown }).message ?? "").slice(0, 300)}`);
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 500) return new Refusal("upstream", `AWS answered ${status}`);
  return new Refusal("internal", "internal error");
}
