import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keeperGitOk } from "./keeper-git";

/**
 * Root's upkeep of a slot's mirror, run only between jobs (the agent's `settle`, once the slot's
 * processes are gone), so no job is reading the packs it replaces. Nothing is ever dropped: every
 * object a pack held is in the packs that replace it, reachable or not (`-k`, and geometric
 * roll-ups keep whole packs), because a later job's checkout borrows them.
 *
 * Why: a fetch's connectivity check (`rev-list --objects --not --all`) reads every tree of the
 * previous tip. The first fetch brings the server's pack as the server stored it, where the newest
 * version of a tree is often at the end of a long delta chain (pushes add each version as a delta
 * of the one before; `pack.depth` allows 50): on the benchmark's 30,000 files that check took
 * 0.12 s of every later fetch, and 0.04 s once the chains were at most 10 long. Each later fetch
 * leaves a small pack of its own; those are rolled together geometrically (cheap: the large pack
 * stays as it is) so lookups do not slow down with every job.
 */
const MARKER = "runner-fleet-packed";
/** Short chains for what every fetch's connectivity check and every checkout reads. */
const DEPTH = "10";
/** Small packs left by fetches before they are rolled up. */
const MAX_PACKS = 4;

export type Upkeep = "repacked" | "rolled-up" | "none";

export async function maintainMirror(dir: string): Promise<Upkeep> {
  if (!existsSync(join(dir, "HEAD"))) return "none";
  if (!existsSync(join(dir, MARKER))) {
    await keeperGitOk(["-C", dir, "repack", "-a", "-d", "-k", "-n", "-q", "--no-write-bitmap-index", `--depth=${DEPTH}`]);
    writeFileSync(join(dir, MARKER), `repacked once by the git keeper: delta chains at most ${DEPTH} long\n`, { mode: 0o644 });
    return "repacked";
  }
  const packs = readdirSync(join(dir, "objects", "pack")).filter((f) => f.endsWith(".pack")).length;
  if (packs <= MAX_PACKS) return "none";
  await keeperGitOk(["-C", dir, "repack", "-d", "-n", "-q", "--geometric=2", `--depth=${DEPTH}`]);
  return "rolled-up";
}
