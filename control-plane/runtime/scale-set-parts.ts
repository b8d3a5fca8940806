import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import type { AwsClients } from "../aws/clients";
import type { Logger } from "../aws/log";
import type { CredentialSource, GitHubCredential } from "../github/credential";
import type { EmfMetrics } from "../metrics/emf";
import type { RegisterInvocation } from "../router";
import type { ScaleSetAdmin } from "../scaleset/api";

/**
 * The scale-set side of the control plane (client, listener, registration), built on branch
 * cp-scaleset. This file is the one place that wires it in; until that branch is merged each part
 * refuses with an error that says so (logged by the caller), and the broker answers "internal".
 */
export interface ScaleSetContext {
  config: ControlPlaneConfig;
  aws: AwsClients;
  credential: CredentialSource;
  metrics: EmfMetrics;
  log: Logger;
}

export interface ScaleSetParts {
  adminFor(pool: ControlPlanePool, credential: GitHubCredential): ScaleSetAdmin;
  listen(ctx: ScaleSetContext, deadlineMs: number): Promise<unknown>;
  register(ctx: ScaleSetContext, event: RegisterInvocation): Promise<unknown>;
}

class NotMerged extends Error {
  constructor(part: string) {
    super(`${part}: the scale-set client is not in this build (branch cp-scaleset not merged)`);
    this.name = "NotMerged";
  }
}

export const scaleSetParts: ScaleSetParts = {
  adminFor: () => {
    throw new NotMerged("scale-set admin");
  },
  listen: async () => {
    throw new NotMerged("listener");
  },
  register: async () => {
    throw new NotMerged("registration");
  },
};
