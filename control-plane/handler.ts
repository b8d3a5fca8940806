import { createLogger } from "./aws/log";
import { route, type LambdaContext, type Services } from "./router";
import { loadConfig } from "./runtime/config";
import { scaleSetParts } from "./runtime/scale-set-parts";
import { createServices } from "./runtime/services";

/**
 * The control plane's Lambda entry (esbuild bundles this file; the ControlPlane component deploys
 * it with its config file beside the bundle). Services are built once per warm container, on first use, so
 * a bad config fails the invocation with a clear error instead of the init phase.
 */
const log = createLogger(undefined, { fn: "runner-fleet-control-plane" });
let services: Services | undefined;

export async function handler(event: unknown, context: LambdaContext): Promise<unknown> {
  services ??= createServices(loadConfig(), scaleSetParts, log);
  return route(event, context, services);
}
