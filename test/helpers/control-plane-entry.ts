import { existsSync } from "node:fs";
import { join } from "node:path";
import { CONTROL_PLANE_ENTRY, ENTRY_OVERRIDE_ENV } from "../../components/control-plane/bundle";
import { REPO } from "./env";

/**
 * vitest setup: stacks with host pools bundle control-plane/handler.ts. Until that entry is in the
 * checkout, tests bundle a tiny test entry instead and say so; once it is there, they bundle it.
 */
export const TEST_CONTROL_PLANE_ENTRY = join(REPO, "test/fixtures/control-plane-entry/handler.ts");

if (!existsSync(CONTROL_PLANE_ENTRY) && process.env[ENTRY_OVERRIDE_ENV] === undefined) {
  process.env[ENTRY_OVERRIDE_ENV] = TEST_CONTROL_PLANE_ENTRY;
  console.warn(`control-plane/handler.ts is not in the checkout: bundling ${TEST_CONTROL_PLANE_ENTRY} for host-pool stacks`);
}
