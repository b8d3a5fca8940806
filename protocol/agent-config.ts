/**
 * The host agent's config file, written by user-data to /etc/runner-fleet/agent.json. It holds no
 * secret: the agent authenticates to the broker with the instance role and never reads the GitHub
 * credential.
 */
export interface AgentConfig {
  poolName: string;
  asgName: string;
  region: string;
  /** The control plane's function URL (AWS_IAM auth, SigV4 service "lambda"). */
  brokerUrl: string;
  /** Runner slots on this host; each its own uid, HOME, cgroup and (with docker) rootless daemon. */
  slots: number;
  /** true: a fresh HOME and work tree per job. false: a slot keeps its HOME between jobs (still its own uid). */
  ephemeral: boolean;
  /** One slot and a job done: the host leaves its group and terminates (the one-VM-per-job model). */
  recycleAfterJob: boolean;
  docker: "none" | "rootless" | "rootful";
  /** 0 disables idle leave. */
  idleTimeoutSeconds: number;
  /** Where slots, runner releases and work live. */
  root: string;
  /** Runner releases mirrored by the control plane: s3://<bucket>/<prefix>manifest.json. */
  mirror: { bucket: string; manifestKey: string };
  workMaxAgeHours: number;
  /** How often the agent looks at its slots, the clock, IMDS lifecycle state and spot notices. */
  tickSeconds: number;
  /** How often the agent reads the mirror's manifest for a newer release to roll slots over to. */
  manifestCheckSeconds: number;
  endpoints: { imds: string; s3?: string; autoscaling?: string };
  /** Pools with a warm pool: the launch lifecycle hook the agent completes once installed (never registering while Warmed:*). */
  warmPool?: { hookName: string };
  /** Git servers (https origins) the host's git keeper fetches from; unset: DEFAULT_GIT_SERVERS. */
  gitServers?: string[];
  retry?: { attempts?: number; timeoutMs?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** What a host's keeper fetches from when its config names no server: github.com. */
export const DEFAULT_GIT_SERVERS: readonly string[] = ["https://github.com"];

export const AGENT_CONFIG_PATH = "/etc/runner-fleet/agent.json";
