/**
 * What a host needs from its OS's own repositories, per package manager. Each need lists
 * alternatives: any one installed satisfies it, else the first the repositories offer is installed.
 * The runner's libraries are the lists actions/runner's installdependencies.sh uses (2.336.0);
 * we install them ourselves because that script runs `apt-get update` unconditionally (so it cannot
 * skip a warm or offline image) and exits 1 on Amazon Linux 2023 (no /etc/redhat-release).
 */
export type HostOs = "al2023" | "ubuntu";
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

/** Ubuntu 24.04 and the Debian 12 test root: one family, one path (apt, dpkg). */
const APT: OsPackages = {
  manager: "apt",
  base: [["curl"], ["ca-certificates"], ["git"], ["tar"], ["gzip"], ["iptables"], ["python3"]],
  runner: [["libkrb5-3"], ["zlib1g"], ["liblttng-ust1t64", "liblttng-ust1", "liblttng-ust0"], ["libssl3t64", "libssl3", "libssl1.1", "libssl1.0.2", "libssl1.0.0"], ICU],
  optional: [],
  // docker.io is Debian's and Ubuntu's own build (Ubuntu: universe); it ships dockerd-rootless.sh
  // under /usr/share/docker.io/contrib. rootlesskit and slirp4netns are packaged in both.
  docker: { rootless: [["docker.io"], ["uidmap"], ["rootlesskit"], ["slirp4netns"]], rootful: [["docker.io"]] },
  rootlessExtras: [],
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
  // AL2023's docker package is Amazon's build of moby; rootlesskit and slirp4netns are not in the
  // core repositories we could check. Taken when offered (e.g. SPAL), else the install says so.
  rootlessExtras: [["rootlesskit"], ["slirp4netns"]],
};

export const OS_PACKAGES: Record<HostOs, OsPackages> = { al2023: DNF, ubuntu: APT };

/** Every need of an OS for a docker mode, in install order. */
export function needsFor(os: HostOs, docker: DockerMode): { required: Need[]; optional: Need[] } {
  const p = OS_PACKAGES[os];
  const dockerNeeds = docker === "none" ? [] : p.docker[docker];
  const extras = docker === "rootless" ? p.rootlessExtras : [];
  return { required: [...p.base, ...p.runner, ...dockerNeeds], optional: [...p.optional, ...extras] };
}

/** The Debian family's needs with every docker mode: what the offline test root must already have. */
export const DEBIAN_ROOT_NEEDS: Need[] = [...APT.base, ...APT.runner, ...APT.optional, ...APT.docker.rootless, ...APT.docker.rootful].filter(
  (n, i, all) => all.findIndex((m) => m.join() === n.join()) === i,
);
