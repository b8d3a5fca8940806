import type { ControlPlaneConfig } from "../../protocol/control-plane-config";
import { createAwsClients, type AwsClientOptions } from "../aws/clients";
import type { Logger } from "../aws/log";
import { handleBroker } from "../broker/handler";
import { RecordStore } from "../broker/records";
import { scaleSetsByName } from "../broker/scale-sets";
import { CredentialSource, type GitHubCredential } from "../github/credential";
import { createGitHubRest, type GitHubRest } from "../github/rest";
import { EmfMetrics } from "../metrics/emf";
import { mirrorRunner } from "../mirror/mirror";
import { reap } from "../reaper/reaper";
import type { Services } from "../router";
import type { ScaleSetAdmin } from "../scaleset/api";
import type { ScaleSetParts } from "./scale-set-parts";

/** Everything one warm Lambda keeps: clients, the credential cache, the scale-set ids. */
export function createServices(
  config: ControlPlaneConfig,
  parts: ScaleSetParts,
  log: Logger,
  opts: { aws?: Partial<AwsClientOptions>; metricsLine?: (line: string) => void } = {},
): Services {
  const aws = opts.aws ?? {};
  const clients = createAwsClients({ region: config.region, ...(config.endpoints?.aws ? { endpoint: config.endpoints.aws } : {}), ...aws });
  const credential = new CredentialSource(clients.secrets, config.credentialSecretArn);
  const records = new RecordStore(clients.s3, config.bucket);
  const metrics = new EmfMetrics(config.fleet, opts.metricsLine);
  const ctx = { config, aws: clients, credential, metrics, log };
  const apiUrl = config.endpoints?.github ?? config.githubApiUrl;
  // One scale-set client per pool URL and credential value: it keeps its admin connection between calls.
  const admins = new WeakMap<GitHubCredential, Map<string, ScaleSetAdmin>>();
  const scaleSets = scaleSetsByName(async (pool) => {
    const cred = await credential.get();
    const byUrl = admins.get(cred) ?? new Map<string, ScaleSetAdmin>();
    admins.set(cred, byUrl);
    let admin = byUrl.get(pool.githubUrl);
    if (!admin) {
      admin = parts.adminFor(pool, cred, apiUrl);
      byUrl.set(pool.githubUrl, admin);
    }
    return admin;
  });
  // One Octokit per credential value: a rotated secret gets a new client.
  const rest = new WeakMap<GitHubCredential, GitHubRest>();
  const github = async (): Promise<GitHubRest> => {
    const cred = await credential.get();
    let gh = rest.get(cred);
    if (!gh) {
      gh = createGitHubRest(cred, { baseUrl: apiUrl, log });
      rest.set(cred, gh);
    }
    return gh;
  };
  return {
    log,
    broker: (event) => handleBroker(event, { config, autoscaling: clients.autoscaling, records, scaleSets, log, metrics }),
    listen: (deadline) => parts.listen(ctx, deadline),
    reap: () => reap({ config, autoscaling: clients.autoscaling, records, scaleSets, github, credential: () => credential.get(), log, metrics }),
    mirror: async (force) => {
      const result = await mirrorRunner({ s3: clients.s3, bucket: config.bucket, github, log }, { force });
      // At deploy, a fleet with no release mirrored at all cannot boot a host: fail the update.
      if (force && result.status === "failed" && !result.current) throw new Error(`runner mirror: ${result.error}`);
      return result;
    },
    register: (event) => parts.register(ctx, event),
  };
}
