import type { ControlPlanePool } from "../../protocol/control-plane-config";

/**
 * Hosts a pool needs for `demand` runners (jobs assigned to the scale set plus the warm idle
 * runners it keeps), clamped to the pool's bounds. A pure function of the service's statistics,
 * so acting on the same statistics twice asks for the same capacity: scaling is idempotent.
 */
export function desiredHosts(pool: Pick<ControlPlanePool, "runnersPerHost" | "minHosts" | "maxHosts" | "warmIdleRunners">, assignedJobs: number): number {
  const demand = Math.max(0, assignedJobs) + Math.max(0, pool.warmIdleRunners);
  const hosts = Math.ceil(demand / Math.max(1, pool.runnersPerHost));
  return Math.min(pool.maxHosts, Math.max(pool.minHosts, hosts));
}

/** What the listener long-polls with: the most runners the pool can ever run at once. */
export function maxCapacity(pool: Pick<ControlPlanePool, "runnersPerHost" | "maxHosts">): number {
  return pool.maxHosts * pool.runnersPerHost;
}
