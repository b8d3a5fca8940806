import type { JobAvailable, JobCompleted, JobMessageBase, JobStarted, RunnerScaleSetMessage, RunnerScaleSetStatistic } from "./api";

const EMPTY_STATS: RunnerScaleSetStatistic = {
  totalAvailableJobs: 0,
  totalAcquiredJobs: 0,
  totalAssignedJobs: 0,
  totalRunningJobs: 0,
  totalRegisteredRunners: 0,
  totalBusyRunners: 0,
  totalIdleRunners: 0,
};

/**
 * A message-queue answer as parseRunnerScaleSetMessageResponse reads it: only
 * "RunnerScaleSetJobMessages", whose `body` is a JSON string holding an array of job messages,
 * split by messageType (unknown types are skipped, as the reference does).
 */
export function parseMessage(text: string): RunnerScaleSetMessage {
  const raw = JSON.parse(text.replace(/^\uFEFF/, "")) as { messageId?: unknown; messageType?: unknown; body?: unknown; statistics?: RunnerScaleSetStatistic | null };
  if (raw.messageType !== "RunnerScaleSetJobMessages") throw new Error(`unsupported message type: ${String(raw.messageType)}`);
  if (typeof raw.messageId !== "number") throw new Error("message without a numeric messageId");
  const message: RunnerScaleSetMessage = {
    messageId: raw.messageId,
    statistics: { ...EMPTY_STATS, ...(raw.statistics ?? {}) },
    jobAvailable: [],
    jobAssigned: [],
    jobStarted: [],
    jobCompleted: [],
  };
  const batch = typeof raw.body === "string" && raw.body.length > 0 ? (JSON.parse(raw.body) as unknown) : [];
  if (!Array.isArray(batch)) throw new Error("message body is not a JSON array");
  for (const m of batch as JobMessageBase[]) {
    if (m.messageType === "JobAvailable") message.jobAvailable.push(m as unknown as JobAvailable);
    else if (m.messageType === "JobAssigned") message.jobAssigned.push(m);
    else if (m.messageType === "JobStarted") message.jobStarted.push(m as unknown as JobStarted);
    else if (m.messageType === "JobCompleted") message.jobCompleted.push(m as unknown as JobCompleted);
  }
  return message;
}

/** exp of a JWT (the admin token), read without verifying it: only to refresh before it lapses. */
export function jwtExpiresAtMs(token: string): number {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("the actions service admin token is not a JWT");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
  if (typeof claims.exp !== "number") throw new Error("the actions service admin token has no exp");
  return claims.exp * 1000;
}
