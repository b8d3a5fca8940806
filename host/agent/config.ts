import { readFileSync } from "node:fs";

/** Written by user-data to /etc/runner-fleet/agent.json; holds no secret, only where to find one. */
export interface AgentConfig {
  /** Repository, organisation or enterprise URL the runners register with. */
  githubUrl: string;
  apiUrl: string;
  labels: string[];
  runnerGroup: string | null;
  slots: number;
  ephemeral: boolean;
  /** 0 disables idle leave. */
  idleTimeoutSeconds: number;
  workRoot: string;
  slotsRoot: string;
  runnerDir: string;
  /** The unprivileged user runners run as; null runs them as the agent's own user (tests only). */
  runnerUser: string | null;
  workMaxAgeHours: number;
  secretArn: string;
  region: string;
  poolName: string;
  asgName: string;
  endpoints: { imds: string; secretsManager?: string; autoscaling?: string };
  /** How often the agent looks at its slots, the clock and the spot notice. */
  tickSeconds: number;
  retry?: { attempts?: number; timeoutMs?: number; baseDelayMs?: number; maxDelayMs?: number };
}

const REQUIRED: (keyof AgentConfig)[] = ["githubUrl", "apiUrl", "labels", "slots", "workRoot", "slotsRoot", "runnerDir", "secretArn", "region", "poolName", "asgName"];

export function readConfig(path: string): AgentConfig {
  const raw = JSON.parse(readFileSync(path, "utf8")) as Partial<AgentConfig>;
  const missing = REQUIRED.filter((k) => raw[k] === undefined);
  if (missing.length > 0) throw new Error(`${path}: missing ${missing.join(", ")}`);
  return {
    runnerGroup: null,
    ephemeral: true,
    idleTimeoutSeconds: 300,
    runnerUser: "runner",
    workMaxAgeHours: 24,
    tickSeconds: 5,
    endpoints: { imds: "http://169.254.169.254" },
    ...raw,
  } as AgentConfig;
}

/** The API path prefix of the registration scope. */
export function scopePath(githubUrl: string): string {
  const parts = new URL(githubUrl).pathname.split("/").filter(Boolean);
  if (parts[0] === "enterprises") return `/enterprises/${parts[1]}`;
  if (parts.length === 1) return `/orgs/${parts[0]}`;
  return `/repos/${parts[0]}/${parts[1]}`;
}
