import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../..");
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

/** ../shared beside the checkout (override with RUNNER_FLEET_SHARED). */
export const SHARED = process.env.RUNNER_FLEET_SHARED ?? resolve(REPO, "../shared");
export const UPSTREAM = join(SHARED, "upstream/arc-gha-runner-scale-set-0.14.2");

/**
 * Whether a test that needs `what` can run. In CI a missing prerequisite is a failure, never a
 * silent skip; on a workstation the test is skipped and says why.
 */
export function prerequisite(what: string, available: boolean, hint: string): boolean {
  if (available) return true;
  const msg = `${what} is not available (${hint})`;
  if (IN_CI) throw new Error(`${msg}: CI must run these tests`);
  console.warn(`SKIPPED: tests that need ${msg}`);
  return false;
}

export function hasUpstream(): boolean {
  return prerequisite("../shared/upstream (ARC CRDs and chart defaults)", existsSync(UPSTREAM), `looked in ${UPSTREAM}`);
}

export function hasCommand(cmd: string, debianPackage: string): boolean {
  let found = true;
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  } catch {
    found = false;
  }
  return prerequisite(cmd, found, `apt-get install ${debianPackage}`);
}
