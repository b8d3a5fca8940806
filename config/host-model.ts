import type { Arch } from "./arch";
import { prefixed } from "./cross-checks";
import { scaleSetBase } from "./names";
import { scaleSetLabels } from "./scale-set-labels";
import type { HostPoolConfig, StackConfig } from "./schema";

/** A host pool with its derived names, labels and GitHub endpoints decided. */
export interface HostPoolModel {
  config: HostPoolConfig;
  name: string;
  arch: Arch;
  /** The Auto Scaling group's name: fixed, because hosts are told it before the group exists. */
  asgName: string;
  githubUrl: string;
  apiUrl: string;
  /** https origins the hosts' git keeper fetches from: gitServers, else the GitHub URL's origin. */
  gitServers: string[];
  /** Exactly what the pool's scale set is registered with (scaleSetLabels): its name, its labels, the self-hosted defaults unless switched off. */
  labels: string[];
  /** The GitHub runner scale set the control plane registers for the pool: what `runs-on:` names. */
  scaleSetName: string;
  /** The launch lifecycle hook hosts complete after installing; only with a warm pool. */
  lifecycleHookName?: string;
  /** Lifecycle states besides InService in which the broker answers this pool's hosts (none: runners register only InService). */
  brokerStates: string[];
}

/**
 * Hosts complete this hook once the install is done. ABANDON on timeout: a host whose install
 * failed or hung is terminated instead of entering the group (or the warm pool) half-built.
 */
export const LAUNCH_HOOK = { suffix: "launch", heartbeatTimeoutSeconds: 900, defaultResult: "ABANDON" } as const;

/**
 * What every Auto Scaling group name of a stack starts with. The control plane's grant on the
 * groups is this prefix (and the stack's tags), so it stays one statement at any pool count.
 */
export const asgNamePrefix = (project: string, stack: string): string => `${project}-${stack}-`;

/** The REST API root of a GitHub host: api.github.com, or /api/v3 on GitHub Enterprise Server. */
export function githubApiUrl(githubUrl: string): string {
  const host = new URL(githubUrl).host;
  return host === "github.com" ? "https://api.github.com" : `https://${host}/api/v3`;
}

/** A pool's registered labels besides its scale-set name (what a fleet table lists next to the name). */
export function hostLabels(pool: HostPoolConfig): string[] {
  return scaleSetLabels(pool.name, pool).slice(1);
}

export function hostPoolModel(cfg: StackConfig, pool: HostPoolConfig, project: string, stack: string): HostPoolModel {
  const githubUrl = pool.githubUrl ?? cfg.github.url;
  // Same length rule and hash-shortening as ARC scale sets, so one name fits both worlds.
  const scaleSetName = scaleSetBase(prefixed(cfg.team, pool.name));
  return {
    config: pool,
    name: pool.name,
    arch: pool.arch,
    asgName: `${asgNamePrefix(project, stack)}${pool.name}`,
    githubUrl,
    apiUrl: githubApiUrl(githubUrl),
    gitServers: pool.gitServers?.map((s) => new URL(s).origin) ?? [new URL(githubUrl).origin],
    labels: scaleSetLabels(scaleSetName, pool),
    scaleSetName,
    ...(pool.warmPool ? { lifecycleHookName: `${project}-${stack}-${pool.name}-${LAUNCH_HOOK.suffix}` } : {}),
    brokerStates: [],
  };
}
