import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import type { ScaleSetClient } from "../scaleset/api";
import type { ListenerMetricsSink } from "./metrics-sink";
import { listenPool, type ListenerLog, type PoolResult } from "./pool-listener";
import type { ListenerStateStore } from "./state";

export interface ListenerDeps {
  config: ControlPlaneConfig;
  clientFor: (pool: ControlPlanePool) => ScaleSetClient | Promise<ScaleSetClient>;
  autoscaling: AutoScalingClient;
  state: Pick<ListenerStateStore, "load" | "save" | "clear">;
  metrics: ListenerMetricsSink;
  log: ListenerLog;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The longest one long-poll takes (the service holds ~50 s). */
  pollMs?: number;
  conflictTries?: number;
  conflictWaitMs?: number;
}

export interface ListenerResult {
  pools: PoolResult[];
}

/**
 * One scheduled run (every minute, reserved concurrency 1, so at most one run and one session per
 * scale set): every pool listens in parallel until `deadline` (ms, same clock as `now`). A pool's
 * failure is its own: it is reported in its result and does not stop the others.
 */
export async function runListener(deps: ListenerDeps, opts: { deadline: number }): Promise<ListenerResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pools = await Promise.all(
    deps.config.pools.map(async (pool): Promise<PoolResult> => {
      try {
        const client = await deps.clientFor(pool);
        return await listenPool(
          {
            client,
            autoscaling: deps.autoscaling,
            state: deps.state,
            metrics: deps.metrics,
            log: deps.log,
            now,
            sleep,
            owner: `${deps.config.fleet}/${pool.name}`,
            pollMs: deps.pollMs ?? 55_000,
            ...(deps.conflictTries === undefined ? {} : { conflictTries: deps.conflictTries }),
            ...(deps.conflictWaitMs === undefined ? {} : { conflictWaitMs: deps.conflictWaitMs }),
          },
          pool,
          opts.deadline,
        );
      } catch (e) {
        return { pool: pool.name, sessions: 0, messages: 0, acquired: 0, errors: [e instanceof Error ? e.message : String(e)] };
      }
    }),
  );
  return { pools };
}
