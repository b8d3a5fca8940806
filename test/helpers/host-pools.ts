import type { Arch } from "../../config/arch";
import { hostPoolModel, type HostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import type { DockerMode, HostOs } from "../../components/aws/host-packages";
import type { HostWiring } from "../../components/aws/host-user-data";
import { sourceFrom, TOKEN } from "./config";

export const WIRING: HostWiring = {
  region: "eu-west-1",
  agentS3Uri: "s3://rf-pool-bucket/agent/0123abcd/agent.js",
  agentSha256: "a".repeat(64),
  brokerUrl: "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/",
  mirror: { bucket: "rf-pool-bucket", manifestKey: "runner/manifest.json" },
};

export interface Shape {
  os: HostOs;
  arch: Arch;
  docker: DockerMode;
}

/** Every OS × arch × docker combination the program can emit. */
export const SHAPES: Shape[] = (["al2023", "ubuntu"] as const).flatMap((os) =>
  (["amd64", "arm64"] as const).flatMap((arch) => (["rootless", "rootful", "none"] as const).map((docker) => ({ os, arch, docker }))),
);

const INSTANCE: Record<Arch, string> = { amd64: "c6i.large", arm64: "c7g.large" };

/**
 * A pool of the given shape through the real schema and model. Rootful docker is only valid with
 * one slot recycled after its job; the others get four slots, the largest user-data.
 */
export function poolOf(s: Shape, extra: Record<string, unknown> = {}): HostPoolModel {
  const rootful = s.docker === "rootful";
  const runtimeKeys = { docker: s.docker, recycleAfterJob: rootful };
  const pool = {
    name: `${s.os}-${s.arch}-${s.docker}`,
    arch: s.arch,
    os: s.os,
    instanceTypes: [INSTANCE[s.arch]],
    runnersPerHost: rootful ? 1 : 4,
    labels: ["kernel"],
    runnerGroup: "kernel",
    ...extra,
  };
  const cfg = parseStackConfig(sourceFrom({ github: { url: "https://github.com/acme", auth: "token" }, hostPools: [pool] }, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } }));
  const model = hostPoolModel(cfg, cfg.hostPools[0]!, "runner-fleet", "prod");
  // docker and recycleAfterJob are schema keys of the ec2-program branch; set here until it lands.
  return { ...model, config: { ...model.config, ...runtimeKeys } as HostPoolModel["config"] };
}
