import type { ControlPlanePool } from "../../protocol/control-plane-config";
import type { ScaleSetAdmin } from "../scaleset/api";

/** The admin client for a pool's GitHub scope and the id of the pool's scale set there. */
export interface PoolScaleSet {
  admin: ScaleSetAdmin;
  scaleSetId: number;
}

export type PoolScaleSets = (pool: ControlPlanePool) => Promise<PoolScaleSet>;

/** How long a warm Lambda trusts a remembered id: a label change re-creates the set under a new id. */
export const SCALE_SET_ID_TTL_MS = 60_000;

/**
 * Finds a pool's scale set by runner group and name (registration creates it) and remembers the id
 * for the warm Lambda a minute; an unknown scale set is not remembered, so a later registration is seen.
 */
export function scaleSetsByName(adminFor: (pool: ControlPlanePool) => ScaleSetAdmin | Promise<ScaleSetAdmin>, now: () => number = Date.now): PoolScaleSets {
  const ids = new Map<string, { id: number; at: number }>();
  return async (pool) => {
    const admin = await adminFor(pool);
    const key = `${pool.githubUrl}\n${pool.runnerGroup}\n${pool.scaleSetName}`;
    const known = ids.get(key);
    let id = known !== undefined && now() - known.at < SCALE_SET_ID_TTL_MS ? known.id : undefined;
    if (id === undefined) {
      const group = await admin.getRunnerGroupByName(pool.runnerGroup);
      const set = await admin.getRunnerScaleSet(group.id, pool.scaleSetName);
      if (!set) throw new Error(`scale set ${pool.scaleSetName} is not registered in runner group ${pool.runnerGroup}`);
      id = set.id;
      ids.set(key, { id, at: now() });
    }
    return { admin, scaleSetId: id };
  };
}
