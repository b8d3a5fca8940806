import type * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { stackFileName, type ConfigSource } from "../config/load";
import type { StackConfig } from "../config/schema";
import { RunnerFleet, fleetStackOutputs } from "../components/fleet/RunnerFleet";
import type { FleetOutputs, TeamKubeconfigOutputs } from "../components/fleet/outputs";

/**
 * A platform stack: the stack file's keys handed to the RunnerFleet component, with the
 * credential from the stack's secrets. The file was validated already, so its mistakes are named
 * by the stack file; the component checks the same rules again for programs that use it directly.
 */
export function platformProgram(cfg: StackConfig, source: ConfigSource, config: pulumi.Config): FleetOutputs & Partial<TeamKubeconfigOutputs> {
  const kubeconfig = config.getSecret("kubeconfig");
  if (cfg.teams.length > 0 && cfg.cluster?.type === "existing" && kubeconfig === undefined) {
    // Checked before anything is registered: a team's kubeconfig is cut from the platform's.
    throw new ConfigError(stackFileName(source.stack), source.project, [
      { path: ["teams"], message: "teams get a kubeconfig scoped from this stack's: an existing cluster reached by context has none; give it runner-fleet:kubeconfig" },
    ]);
  }
  const { team: _team, platform: _platform, ...fleet } = cfg;
  const credential = cfg.github.auth === "app" ? { githubAppPrivateKey: config.requireSecret("githubAppPrivateKey") } : { githubToken: config.requireSecret("githubToken") };
  return fleetStackOutputs(new RunnerFleet("fleet", { ...fleet, ...credential, ...(kubeconfig ? { kubeconfig } : {}) }));
}
