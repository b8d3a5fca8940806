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
import type { ScaleSetParts } from "./scale-set-parts";

/** Everything one warm Lambda keeps: clients, the credential cache, the scale-set ids. */
export function createServices(config: ControlPlaneConfig, parts: ScaleSetParts, log: Logger, aws: Partial<AwsClientOptions> = {}): Services {
  const clients = createAwsClients({ region: config.region, ...(config.endpoints?.aws ? { endpoint: config.endpoints.aws } : {}), ...aws });
  const credential = new CredentialSource(clients.secrets, config.credentialSecretArn);
  const records = new RecordStore(clients.s3, config.bucket);
  const metrics = new EmfMetrics(config.fleet);
  const ctx = { config, aws: clients, credential, metrics, log };
  const scaleSets = scaleSetsByName(async (pool) => parts.adminFor(pool, await credential.get()));
  // One Octokit per credential value: a rotated secret gets a new client.
  const rest = new WeakMap<GitHubCredential, GitHubRest>();
  const github = async (): Promise<GitHubRest> => {
    const cred = await credential.get();
    let gh = rest.get(cred);
    if (!gh) {
      gh = createGitHubRest(cred, { baseUrl: config.endpoints?.github ?? config.githubApiUrl, log });
      rest.set(cred, gh);
    }
    return gh;
  };
  return {
    log,
    broker: (event) => handleBroker(event, { config, autoscaling: clients.autoscaling, records, scaleSets, log, metrics }),
    listen: (deadline) => parts.listen(ctx, deadline),
    reap: () => reap({ config, autoscaling: clients.autoscaling, records, scaleSets, github, credential: () => credential.get(), log }),
    mirror: async (force) => {
      const result = await mirrorRunner({ s3: clients.s3, bucket: config.bucket, github, log }, { force });
      // At deploy, a fleet with no release mirrored at all cannot boot a host: fail the update.
      if (force && result.status === "failed" && !result.current) throw new Error(`runner mirror: ${result.error}`);
      return result;
    },
    register: (event) => parts.register(ctx, event),
  };
}
