import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import type { AwsClients } from "../aws/clients";
import type { Logger } from "../aws/log";
import type { CredentialSource, GitHubCredential } from "../github/credential";
import type { EmfMetrics } from "../metrics/emf";
import type { RegisterInvocation } from "../router";
import type { ScaleSetAdmin } from "../scaleset/api";
import { runListener } from "../listener/listener";
import { ListenerStateStore } from "../listener/state";
import { createScaleSetClient } from "../scaleset/create";
import type { HttpDeps } from "../scaleset/http";

/**
 * The scale-set side of the control plane (client, listener, registration), built on branch
 * cp-scaleset. This file is the one place that wires it in; a part not merged yet refuses with an
 * error that says so (logged by the caller).
 */
export interface ScaleSetContext {
  config: ControlPlaneConfig;
  aws: AwsClients;
  credential: CredentialSource;
  metrics: EmfMetrics;
  log: Logger;
}

export interface ScaleSetParts {
  /** A client for the pool's scale-set scope; the caller keeps one per (pool URL, credential). */
  adminFor(pool: ControlPlanePool, credential: GitHubCredential, githubApiUrl: string): ScaleSetAdmin;
  listen(ctx: ScaleSetContext, deadlineMs: number): Promise<unknown>;
  register(ctx: ScaleSetContext, event: RegisterInvocation): Promise<unknown>;
}

class NotMerged extends Error {
  constructor(part: string) {
    super(`${part}: the scale-set client is not in this build (branch cp-scaleset not merged)`);
    this.name = "NotMerged";
  }
}

/**
 * The broker answers a host while it waits: a throttled or failing scale-set service becomes a
 * quick retryable refusal, not a Lambda sleeping through the reference client's 4 retries of up
 * to 30 s.
 */
export const BROKER_HTTP: Partial<HttpDeps> = { retryMax: 1, retryWaitMaxMs: 2_000 };

export const scaleSetParts: ScaleSetParts = {
  adminFor: (pool, credential, githubApiUrl) => createScaleSetClient(pool.githubUrl, githubApiUrl, credential, { http: BROKER_HTTP }),
  listen: (ctx, deadlineMs) => {
    const apiUrl = ctx.config.endpoints?.github ?? ctx.config.githubApiUrl;
    // The listener's clients keep the reference's retries: a run has its whole minute.
    const clients = new Map<string, ReturnType<typeof createScaleSetClient>>();
    return runListener(
      {
        config: ctx.config,
        clientFor: async (pool) => {
          const cred = await ctx.credential.get();
          let c = clients.get(pool.githubUrl);
          if (!c) {
            c = createScaleSetClient(pool.githubUrl, apiUrl, cred);
            clients.set(pool.githubUrl, c);
          }
          return c;
        },
        autoscaling: ctx.aws.autoscaling,
        state: new ListenerStateStore(ctx.aws.s3, ctx.config.bucket),
        metrics: ctx.metrics,
        log: ctx.log.child({ component: "listener" }),
      },
      { deadline: deadlineMs },
    );
  },
  register: async () => {
    throw new NotMerged("registration");
  },
};
