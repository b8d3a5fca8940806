import type { Logger } from "./aws/log";
import { isFunctionUrlEvent, type FunctionUrlEvent, type FunctionUrlResult } from "./broker/event";

/**
 * What one Lambda invocation is, and who serves it. The function has three doors:
 * - its function URL (AWS_IAM auth): the broker, for hosts;
 * - an EventBridge schedule: the listener's long poll, the reaper, and the mirror when due;
 * - direct invocation by the deploying principal: scale-set registration at `pulumi up` and the
 *   mirror at deploy.
 * Anything else is refused and logged.
 */
export interface Services {
  log: Logger;
  broker(event: FunctionUrlEvent): Promise<FunctionUrlResult>;
  /** The scale-set listener; returns before `deadlineMs` (epoch ms). */
  listen(deadlineMs: number): Promise<unknown>;
  reap(): Promise<unknown>;
  /** force: mirror now (deploy); otherwise only when the daily check is due. */
  mirror(force: boolean): Promise<unknown>;
  register(event: RegisterInvocation): Promise<unknown>;
}

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/** aws.lambda.Invocation with lifecycle scope CRUD adds `tf: {action, prev_input}`. */
export interface RegisterInvocation {
  action: "register";
  tf?: { action: "create" | "update" | "delete"; prev_input: unknown };
  [key: string]: unknown;
}

export class UnknownEvent extends Error {
  constructor(what: string) {
    super(`refused: ${what}`);
    this.name = "UnknownEvent";
  }
}

/** Time the schedule's work leaves for logging, metrics and returning before Lambda's timeout. */
export const SCHEDULE_MARGIN_MS = 20_000;

function isScheduled(e: unknown): boolean {
  const o = e as { source?: unknown; "detail-type"?: unknown };
  return !!e && typeof e === "object" && o.source === "aws.events" && o["detail-type"] === "Scheduled Event";
}

function actionOf(e: unknown): unknown {
  return e && typeof e === "object" && !Array.isArray(e) ? (e as { action?: unknown }).action : undefined;
}

export async function route(event: unknown, context: LambdaContext, services: Services): Promise<unknown> {
  const log = services.log.child({ invocation: context.awsRequestId });
  if (isFunctionUrlEvent(event)) return services.broker(event);

  if (isScheduled(event)) {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - SCHEDULE_MARGIN_MS;
    // The listener long-polls for most of the run; the reaper and the mirror are short beside it.
    const names = ["listener", "reaper", "mirror"] as const;
    const results = await Promise.allSettled([services.listen(deadline), services.reap(), services.mirror(false)]);
    const summary: Record<string, unknown> = {};
    results.forEach((r, i) => {
      const name = names[i]!;
      if (r.status === "fulfilled") summary[name] = r.value;
      else {
        summary[name] = { failed: true };
        // Logged, not thrown: a thrown error makes EventBridge retry a run the next minute repeats anyway.
        log.error(`${name} failed`, { err: r.reason });
      }
    });
    return summary;
  }

  const action = actionOf(event);
  if (action === "register") return services.register(event as RegisterInvocation);
  if (action === "mirror") return services.mirror(true);

  const what = isFunctionUrlEvent(event) ? "function URL event" : action !== undefined ? `action ${JSON.stringify(String(action)).slice(0, 40)}` : "an event of unknown shape";
  log.warn("refused an invocation", { what, keys: event && typeof event === "object" ? Object.keys(event).slice(0, 10) : typeof event });
  throw new UnknownEvent(`${what}; expected a function URL request, a Scheduled Event, {action:"register"} or {action:"mirror"}`);
}
