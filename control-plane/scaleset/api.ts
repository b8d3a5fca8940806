/**
 * The runner scale set service as the control plane uses it, modelled on actions/scaleset 0.4.0
 * (client.go, session_client.go, types.go). One implementation talks to GitHub (client.ts); tests
 * talk to the stand-in, which follows the reference testserver and is at least as strict.
 * Field names are the wire names of types.go.
 */

export interface Label {
  type: "System" | "User";
  name: string;
}

export interface RunnerScaleSetStatistic {
  totalAvailableJobs: number;
  totalAcquiredJobs: number;
  totalAssignedJobs: number;
  totalRunningJobs: number;
  totalRegisteredRunners: number;
  totalBusyRunners: number;
  totalIdleRunners: number;
}

export interface RunnerScaleSet {
  id: number;
  name: string;
  runnerGroupId: number;
  runnerGroupName?: string;
  labels: Label[];
  RunnerSetting?: { disableUpdate?: boolean };
  statistics?: RunnerScaleSetStatistic;
}

export interface RunnerReference {
  id: number;
  name: string;
  runnerScaleSetId: number;
}

export interface JitRunnerConfig {
  runner: RunnerReference;
  encodedJITConfig: string;
}

export interface JobMessageBase {
  messageType: "JobAvailable" | "JobAssigned" | "JobStarted" | "JobCompleted";
  runnerRequestId: number;
  repositoryName: string;
  ownerName: string;
  jobId: string;
  jobWorkflowRef: string;
  jobDisplayName: string;
  workflowRunId: number;
  eventName: string;
  requestLabels: string[];
  queueTime: string;
  scaleSetAssignTime: string;
  runnerAssignTime: string;
  finishTime: string;
}

export interface JobAvailable extends JobMessageBase {
  acquireJobUrl: string;
}
export interface JobStarted extends JobMessageBase {
  runnerId: number;
  runnerName: string;
}
export interface JobCompleted extends JobMessageBase {
  result: string;
  runnerId: number;
  runnerName: string;
}

/** A parsed message: the body's job messages split by type, as the reference client does. */
export interface RunnerScaleSetMessage {
  messageId: number;
  statistics: RunnerScaleSetStatistic;
  jobAvailable: JobAvailable[];
  jobAssigned: JobMessageBase[];
  jobStarted: JobStarted[];
  jobCompleted: JobCompleted[];
}

export interface RunnerScaleSetSession {
  sessionId: string;
  ownerName: string;
  runnerScaleSet?: RunnerScaleSet;
  messageQueueUrl: string;
  messageQueueAccessToken: string;
  statistics?: RunnerScaleSetStatistic;
}

/** Errors the reference client distinguishes; the listener acts on `kind`. */
export type ScaleSetErrorKind =
  | "not-found" // 404, e.g. unknown scale set or runner
  | "session-conflict" // 409 on create session: another listener holds it
  | "message-queue-token-expired" // 401 on the message queue: refresh the session
  | "session-expired" // 404/410 on the session: create a new one
  | "unauthorized" // 401/403 on the admin API: refresh the admin token
  | "throttled" // 429/403 secondary limits, with retryAfterMs
  | "server" // 5xx
  | "bad-request"; // 4xx otherwise: a refusal to report, not to retry

export class ScaleSetError extends Error {
  constructor(
    readonly kind: ScaleSetErrorKind,
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
    readonly activityId?: string,
  ) {
    super(message);
    this.name = "ScaleSetError";
  }
}

/** The admin side: scale sets, runner groups, JIT configs, runners. */
export interface ScaleSetAdmin {
  getRunnerGroupByName(name: string): Promise<{ id: number; name: string; isDefaultGroup: boolean }>;
  getRunnerScaleSet(runnerGroupId: number, name: string): Promise<RunnerScaleSet | undefined>;
  getRunnerScaleSetById(id: number): Promise<RunnerScaleSet | undefined>;
  createRunnerScaleSet(set: Omit<RunnerScaleSet, "id" | "statistics">): Promise<RunnerScaleSet>;
  updateRunnerScaleSet(id: number, set: Omit<RunnerScaleSet, "id" | "statistics">): Promise<RunnerScaleSet>;
  deleteRunnerScaleSet(id: number): Promise<void>;
  generateJitRunnerConfig(scaleSetId: number, setting: { name: string; workFolder: string }): Promise<JitRunnerConfig>;
  getRunner(runnerId: number): Promise<RunnerReference | undefined>;
  getRunnerByName(name: string): Promise<RunnerReference | undefined>;
  removeRunner(runnerId: number): Promise<void>;
}

/** One message session of one scale set (session_client.go). */
export interface MessageSession {
  readonly session: RunnerScaleSetSession;
  /**
   * Long-polls; resolves undefined on 202 (no message within the poll) or when `maxWaitMs` passed
   * first (an unseen message is not lost: it comes back until deleted).
   */
  getMessage(lastMessageId: number, maxCapacity: number, maxWaitMs?: number): Promise<RunnerScaleSetMessage | undefined>;
  deleteMessage(messageId: number): Promise<void>;
  acquireJobs(requestIds: number[]): Promise<number[]>;
  close(): Promise<void>;
}

export interface ScaleSetClient extends ScaleSetAdmin {
  /** Creates a session owned by `owner`; a second live session on the same scale set is a "session-conflict". */
  openSession(scaleSetId: number, owner: string): Promise<MessageSession>;
  /** Deletes a session by id (a killed run's, kept in S3); an unknown session is not an error. */
  deleteSession(scaleSetId: number, sessionId: string): Promise<void>;
}
