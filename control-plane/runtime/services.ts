import type { ControlPlaneConfig } from "../../protocol/control-plane-config";
import { createAwsClients, type AwsClientOptions } from "../aws/clients";
import type { Logger } from "../aws/log";
import { handleBroker } from "../broker/handler";
import { RecordStore } from "../broker/records";
import { scaleSetsByName } from "../broker/scale-sets";
import { CredentialSource, type GitHubCredential } from "../github/credential";
import { createGitHubRest, type GitHubRest } from "../github/rest";
import { GitHubBudget, pacedFetch } from "../github/budget";
import { budgetShare, type GitHubBudgetParty } from "../../protocol/github-budget";
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
  // One budget per party this container serves (a container belongs to one function): the
  // broker's hosts, the deploy's registration and mirror, or the listener's run with the reaper.
  const budgets = new Map<GitHubBudgetParty, GitHubBudget>();
  const budget = (party: GitHubBudgetParty): GitHubBudget => {
    let b = budgets.get(party);
    if (!b) {
      b = new GitHubBudget(budgetShare(party));
      budgets.set(party, b);
    }
    return b;
  };
  const ctx = { config, aws: clients, credential, metrics, log, budget };
  const apiUrl = config.endpoints?.github ?? config.githubApiUrl;
  // One scale-set client per pool URL and credential value: it keeps its admin connection between calls.
  const admins = new WeakMap<GitHubCredential, Map<string, ScaleSetAdmin>>();
  const scaleSets = scaleSetsByName(async (pool) => {
    const cred = await credential.get();
    const byUrl = admins.get(cred) ?? new Map<string, ScaleSetAdmin>();
    admins.set(cred, byUrl);
    let admin = byUrl.get(pool.githubUrl);
    if (!admin) {
      admin = parts.adminFor(pool, cred, apiUrl, budget("broker"));
      byUrl.set(pool.githubUrl, admin);
    }
    return admin;
  });
  // One Octokit per credential value and party: a rotated secret gets a new client.
  const rest = new WeakMap<GitHubCredential, Map<GitHubBudgetParty, GitHubRest>>();
  const githubFor = (party: GitHubBudgetParty) => async (): Promise<GitHubRest> => {
    const cred = await credential.get();
    const byParty = rest.get(cred) ?? new Map<GitHubBudgetParty, GitHubRest>();
    rest.set(cred, byParty);
    let gh = byParty.get(party);
    if (!gh) {
      gh = createGitHubRest(cred, { baseUrl: apiUrl, log, fetch: pacedFetch(budget(party)) });
      byParty.set(party, gh);
    }
    return gh;
  };
  return {
    log,
    broker: (event) => handleBroker(event, { config, autoscaling: clients.autoscaling, records, scaleSets, log, metrics }),
    listen: (deadline) => parts.listen(ctx, deadline),
    reap: () => reap({ config, autoscaling: clients.autoscaling, records, scaleSets, github: githubFor("listener"), credential: () => credential.get(), log, metrics }),
    mirror: async (force) => {
      const result = await mirrorRunner({ s3: clients.s3, bucket: config.bucket, github: githubFor(force ? "deploy" : "listener"), log }, { force });
      // At deploy, a fleet with no release mirrored at all cannot boot a host: fail the update.
      if (force && result.status === "failed" && !result.current) throw new Error(`runner mirror: ${result.error}`);
      return result;
    },
    register: (event) => parts.register(ctx, event),
  };
}
