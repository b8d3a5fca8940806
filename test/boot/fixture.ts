import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED } from "../helpers/env";
import { buildRelease, type Release } from "../standins/runner-listener/service";

export const RUNNER_UPSTREAM = join(SHARED, "upstream/actions-runner-2.336.0");

export interface Tarball extends Release {
  /** The bytes of externals/node24/bin/node inside. */
  nodeSha256: string;
}

/** The release the booted hosts install (test/standins/runner-listener: the real scripts, the stand-in listener, a glibc and a musl Node). */
export function runnerTarball(dir: string, version = "2.336.0"): Tarball {
  return { ...buildRelease(SHARED, dir, version), nodeSha256: createHash("sha256").update(readFileSync(process.execPath)).digest("hex") };
}
