import type { Arch } from "../../config/arch";
import { hostPoolModel, type HostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import type { DockerMode, HostOs } from "../../components/aws/host-packages";
import { HOST_OSES } from "../../config/schema";
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

/** Every OS × arch × docker combination the program can emit (the schema refuses rootless docker on al2023). */
export const SHAPES: Shape[] = HOST_OSES.flatMap((os) =>
  (["amd64", "arm64"] as const).flatMap((arch) => (["rootless", "rootful", "none"] as const).map((docker) => ({ os, arch, docker }))),
).filter((s) => !(s.os === "al2023" && s.docker === "rootless"));

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
    ...runtimeKeys,
    ...extra,
  };
  const cfg = parseStackConfig(sourceFrom({ github: { url: "https://github.com/acme", auth: "token" }, hostPools: [pool] }, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } }));
  return hostPoolModel(cfg, cfg.hostPools[0]!, "runner-fleet", "prod");
}
