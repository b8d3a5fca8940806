import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import type { AwsClients } from "../aws/clients";
import { redactor, type Logger } from "../aws/log";
import type { CredentialSource, GitHubCredential } from "../github/credential";
import { runListener } from "../listener/listener";
import { ListenerStateStore } from "../listener/state";
import type { EmfMetrics } from "../metrics/emf";
import { handleRegistration } from "../registration/handler";
import type { RegisterInvocation } from "../router";
import type { ScaleSetAdmin } from "../scaleset/api";
import { createScaleSetClient } from "../scaleset/create";
import type { HttpDeps } from "../scaleset/http";
import type { GitHubBudget } from "../github/budget";
import type { GitHubBudgetParty } from "../../protocol/github-budget";

/**
 * The scale-set side of the control plane (client, listener, registration, from branch
 * cp-scaleset) wired to the Lambda's services. The broker's clients are kept per (pool URL,
 * credential value) by runtime/services.ts; the listener and registration make theirs per run.
 * Every client hands the tokens it obtains (registration, admin JWT, queue) to the log redactor.
 */
export interface ScaleSetContext {
  config: ControlPlaneConfig;
  aws: AwsClients;
  credential: CredentialSource;
  metrics: EmfMetrics;
  log: Logger;
  /** This container's share of GitHub's limits for a party (protocol/github-budget.ts). */
  budget(party: GitHubBudgetParty): GitHubBudget;
}

export interface ScaleSetParts {
  /** A client for the pool's scale-set scope; the caller keeps one per (pool URL, credential). */
  adminFor(pool: ControlPlanePool, credential: GitHubCredential, githubApiUrl: string, budget: GitHubBudget): ScaleSetAdmin;
  listen(ctx: ScaleSetContext, deadlineMs: number): Promise<unknown>;
  register(ctx: ScaleSetContext, event: RegisterInvocation): Promise<unknown>;
}

/**
 * The broker answers a host while it waits: a throttled or failing scale-set service becomes a
 * quick retryable refusal, not a Lambda sleeping through the reference client's 4 retries of up
 * to 30 s.
 */
export const BROKER_HTTP: Partial<HttpDeps> = { retryMax: 1, retryWaitMaxMs: 2_000 };
/** The longest a host's broker call waits for the budget before it is told when to come back. */
export const BROKER_BUDGET_WAIT_MS = 2_000;

const onSecret = (token: string): void => redactor.add(token);

export const scaleSetParts: ScaleSetParts = {
  adminFor: (pool, credential, githubApiUrl, budget) => createScaleSetClient(pool.githubUrl, githubApiUrl, credential, { http: BROKER_HTTP, onSecret, budget: { budget, maxWaitMs: BROKER_BUDGET_WAIT_MS } }),
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
            c = createScaleSetClient(pool.githubUrl, apiUrl, cred, { onSecret, budget: { budget: ctx.budget("listener") } });
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
  // At `pulumi up`: create/update/delete scale sets by name; a refusal fails the update with GitHub's words.
  register: async (ctx, event) => {
    const apiUrl = ctx.config.endpoints?.github ?? ctx.config.githubApiUrl;
    const cred = await ctx.credential.get();
    return handleRegistration(event, { config: ctx.config, adminFor: (ref) => createScaleSetClient(ref.githubUrl, apiUrl, cred, { onSecret, budget: { budget: ctx.budget("deploy") } }) });
  },
};
