import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, pulumiConfigSource, type ConfigSource } from "../config/load";
import type { FleetOutputs } from "../components/fleet/outputs";
import { platformProgram } from "./platform";
import { teamProgram } from "./team";

/** The stack: validate everything first (a ConfigError leaves nothing registered), then build its role. */
export async function fleetProgram(source: ConfigSource = pulumiConfigSource()): Promise<FleetOutputs> {
  const cfg = parseStackConfig(source);
  const config = new pulumi.Config(source.project);
  return cfg.platform === undefined ? platformProgram(cfg, source, config) : teamProgram(cfg, source, config, cfg.platform);
}
