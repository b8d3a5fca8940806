/**
 * What a host needs from its OS's own repositories, per package manager. Each need lists
 * alternatives: any one installed satisfies it, else the first the repositories offer is installed.
 * The runner's libraries are the lists actions/runner's installdependencies.sh uses (2.336.0);
 * we install them ourselves because that script runs `apt-get update` unconditionally (so it cannot
 * skip a warm or offline image) and exits 1 on Amazon Linux 2023 (no /etc/redhat-release).
 */
import type { HOST_OSES } from "../../config/schema";

export type HostOs = (typeof HOST_OSES)[number];
export type DebianOs = Extract<HostOs, "debian" | "debian-12">;

/** `debian` is Debian 13 (trixie), the default; `debian-12` is bookworm. */
export const DEBIAN_SUITE = { debian: "trixie", "debian-12": "bookworm" } as const satisfies Record<DebianOs, string>;
export const DEBIAN_VERSION: Record<DebianOs, string> = { debian: "13", "debian-12": "12" };

/**
 * The OSes whose install path the booted-host tests boot (test/boot: a debootstrapped root of
 * the same release under systemd-nspawn). The others are deployable options never booted here.
 */
export const BOOTED_OSES: readonly HostOs[] = ["debian", "debian-12"];
export const isBootedOs = (os: HostOs): boolean => BOOTED_OSES.includes(os);
export type DockerMode = "rootless" | "rootful" | "none";
export type Need = readonly string[];

export interface OsPackages {
  manager: "apt" | "dnf";
  /** Tools the install script and the agent use. */
  base: Need[];
  /** The runner's .NET dependencies (installdependencies.sh's lists for this family). */
  runner: Need[];
  /** Installed when the repositories have them; the host works without them. */
  optional: Need[];
  docker: Record<Exclude<DockerMode, "none">, Need[]>;
  /**
   * Rootless docker's extras where the OS's repositories may lack them (AL2023): installed when
   * offered, then the install checks the binaries and fails readably if they are still missing.
   */
  rootlessExtras: Need[];
}

const ICU = ["libicu80", "libicu79", "libicu78", "libicu77", "libicu76", "libicu75", "libicu74", "libicu73", "libicu72", "libicu71", "libicu70", "libicu69", "libicu68", "libicu67", "libicu66", "libicu65", "libicu63", "libicu60", "libicu57", "libicu55", "libicu52"];

/**
 * Debian 13 and 12 (the booted path) and Ubuntu 24.04: one family, one path (apt, dpkg). Names
 * are checked against the releases' archives by the booted roots' build (test/boot/rootfs.ts
 * picks the first alternative each release has and fails on a need it has none of).
 */
const APT: OsPackages = {
  manager: "apt",
  base: [["curl"], ["ca-certificates"], ["git"], ["tar"], ["gzip"], ["iptables"], ["python3"]],
  runner: [["libkrb5-3"], ["zlib1g"], ["liblttng-ust1t64", "liblttng-ust1", "liblttng-ust0"], ["libssl3t64", "libssl3", "libssl1.1", "libssl1.0.2", "libssl1.0.0"], ICU],
  optional: [],
  // docker.io is Debian's and Ubuntu's own build (Ubuntu: universe); it ships dockerd-rootless.sh
  // under /usr/share/docker.io/contrib. rootlesskit and slirp4netns are packaged in all three.
  docker: { rootless: [["docker.io"], ["uidmap"], ["rootlesskit"], ["slirp4netns"]], rootful: [["docker.io"]] },
  rootlessExtras: [],
};

/**
 * Debian 13 split the docker CLI out of docker.io into docker-cli, which docker.io only
 * recommends (and the install takes no recommends): without it a slot has dockerd but no
 * `docker`. Seen on the booted trixie root (recycle.test: "docker: command not found").
 * docker-buildx (trixie main, 0.13) makes `docker build` use BuildKit, as jobs written for
 * GitHub's hosted runners expect (docker/setup-buildx-action, `RUN --mount`); without it Debian
 * 13's docker builds with the deprecated legacy builder. Debian 12 has no docker-buildx package.
 */
const APT_TRIXIE: OsPackages = {
  ...APT,
  docker: {
    rootless: [["docker.io"], ["docker-cli"], ["docker-buildx"], ["uidmap"], ["rootlesskit"], ["slirp4netns"]],
    rootful: [["docker.io"], ["docker-cli"], ["docker-buildx"]],
  },
};

/** Amazon Linux 2023 (dnf, rpm). */
const DNF: OsPackages = {
  manager: "dnf",
  // curl-minimal, python3 (cloud-init's) and shadow-utils (newuidmap) are in every AL2023 AMI.
  base: [["git"], ["tar"], ["gzip"], ["iptables-nft"], ["shadow-utils"]],
  runner: [["openssl-libs"], ["krb5-libs"], ["zlib"], ["libicu"]],
  // The .NET runtime only uses it for tracing; not every AL2023 repository snapshot has it.
  optional: [["lttng-ust"]],
  docker: { rootless: [["docker"]], rootful: [["docker"]] },
  // AL2023's docker package is Amazon's build of moby; rootlesskit and slirp4netns are in none
  // of its package lists we could check, so the schema refuses docker: rootless on al2023. Kept
  // for an image that bakes them in: taken when offered, else the install says so.
  rootlessExtras: [["rootlesskit"], ["slirp4netns"]],
};

export const OS_PACKAGES: Record<HostOs, OsPackages> = { debian: APT_TRIXIE, "debian-12": APT, ubuntu: APT, al2023: DNF };

/** Every need of an OS for a docker mode, in install order. */
export function needsFor(os: HostOs, docker: DockerMode): { required: Need[]; optional: Need[] } {
  const p = OS_PACKAGES[os];
  const dockerNeeds = docker === "none" ? [] : p.docker[docker];
  const extras = docker === "rootless" ? p.rootlessExtras : [];
  return { required: [...p.base, ...p.runner, ...dockerNeeds], optional: [...p.optional, ...extras] };
}

/** A Debian release's needs with every docker mode: what its offline test root must already have. */
export function debianRootNeeds(os: DebianOs): Need[] {
  const p = OS_PACKAGES[os];
  return [...p.base, ...p.runner, ...p.optional, ...p.docker.rootless, ...p.docker.rootful].filter((n, i, all) => all.findIndex((m) => m.join() === n.join()) === i);
}

/**
 * A note per pool on an OS whose install path the booted-host tests never boot, for the render to
 * print: such a pool deploys, but nothing here has seen its first boot.
 */
export function unbootedOsNotes(pools: readonly { name: string; os: HostOs }[]): string[] {
  return pools.flatMap((p, i) =>
    isBootedOs(p.os) ? [] : [`hostPools[${i}].os: ${p.os} (pool ${p.name}) is not booted here; the booted-host tests boot ${BOOTED_OSES.join(" and ")} only (docs/ec2-pools.md)`],
  );
}
