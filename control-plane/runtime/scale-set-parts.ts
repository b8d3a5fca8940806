import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import type { AwsClients } from "../aws/clients";
import { redactor, type Logger } from "../aws/log";
import type { CredentialSource, GitHubCredential } from "../github/credential";
import { runListener } from "../listener/listener";
import type { ListenerMetricsSink } from "../listener/metrics-sink";
import { ListenerStateStore } from "../listener/state";
import type { EmfMetrics } from "../metrics/emf";
import { handleRegistration } from "../registration/handler";
import type { RegisterInvocation } from "../router";
import type { ScaleSetAdmin, ScaleSetClient } from "../scaleset/api";
import { createScaleSetClient } from "../scaleset/create";

/**
 * The scale-set side of the control plane (client, listener, registration) wired to the Lambda's
 * services: one client per (GitHub URL, credential value), so a warm Lambda keeps its admin token
 * and a rotated secret gets a new client.
 */
export interface ScaleSetContext {
  config: ControlPlaneConfig;
  aws: AwsClients;
  credential: CredentialSource;
  metrics: EmfMetrics;
  log: Logger;
}

export interface ScaleSetParts {
  adminFor(pool: ControlPlanePool, credential: GitHubCredential): ScaleSetAdmin;
  listen(ctx: ScaleSetContext, deadlineMs: number): Promise<unknown>;
  register(ctx: ScaleSetContext, event: RegisterInvocation): Promise<unknown>;
}

const clients = new WeakMap<GitHubCredential, Map<string, ScaleSetClient>>();

/** `apiUrl` undefined: derived from the GitHub URL as the reference does (api.github.com, <host>/api/v3). */
function clientFor(apiUrl: string | undefined, githubUrl: string, credential: GitHubCredential): ScaleSetClient {
  let byUrl = clients.get(credential);
  if (!byUrl) {
    byUrl = new Map();
    clients.set(credential, byUrl);
  }
  const key = `${apiUrl ?? ""} ${githubUrl}`;
  let c = byUrl.get(key);
  if (!c) {
    // Registration, admin and queue tokens join the redactor the moment they arrive.
    c = createScaleSetClient(githubUrl, apiUrl, credential, { onSecret: (t) => redactor.add(t) });
    byUrl.set(key, c);
  }
  return c;
}

const apiOf = (config: ControlPlaneConfig): string => config.endpoints?.github ?? config.githubApiUrl;

function emfSink(metrics: EmfMetrics): ListenerMetricsSink {
  return {
    scale: (s) => metrics.emit(s.pool, { AssignedJobs: s.assigned, RunningJobs: s.running, IdleRunners: s.idle, DesiredHosts: s.groupDesired }),
    reaction: (pool, ms) => metrics.reactionTime(pool, ms),
  };
}

export const scaleSetParts: ScaleSetParts = {
  // The broker's and reaper's path has no config here: the API root comes from the pool's URL.
  adminFor: (pool, credential) => clientFor(undefined, pool.githubUrl, credential),
  listen: async (ctx, deadlineMs) =>
    runListener(
      {
        config: ctx.config,
        clientFor: async (pool) => clientFor(apiOf(ctx.config), pool.githubUrl, await ctx.credential.get()),
        autoscaling: ctx.aws.autoscaling,
        state: new ListenerStateStore(ctx.aws.s3, ctx.config.bucket),
        metrics: emfSink(ctx.metrics),
        log: ctx.log.child({ component: "listener" }),
      },
      { deadline: deadlineMs },
    ),
  register: async (ctx, event) => handleRegistration(event, { config: ctx.config, adminFor: async (ref) => clientFor(apiOf(ctx.config), ref.githubUrl, await ctx.credential.get()) }),
};
