/**
 * Every pinned upstream version, in one place, so that an upgrade is one reviewed diff.
 * The ARC chart version must match the CRDs and chart defaults in ../shared/upstream that tests read.
 */
export const ARC_CHART_VERSION = "0.14.2";
export const ARC_CHART_REPO = "oci://ghcr.io/actions/actions-runner-controller-charts";
export const ARC_CONTROLLER_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set-controller`;
export const ARC_SCALE_SET_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set`;

/** actions/runner release; the ghcr.io image of the same tag is multi-arch (amd64 + arm64). */
export const RUNNER_VERSION = "2.335.1";

/**
 * SHA-256 of the release tarballs, from the release notes of RUNNER_VERSION: hosts refuse a
 * download that does not match. Bump with the version, never without it.
 */
export const RUNNER_TARBALL_SHA256: Record<"amd64" | "arm64", string> = {
  amd64: "4ef2f25285f0ae4477f1fe1e346db76d2f3ebf03824e2ddd1973a2819bf6c8cf",
  arm64: "6d1e85bfd1a506a8b17c1f1b9b57dba458ffed90898799aaa9f599520b0d9207",
};

export function runnerTarballUrl(arch: "amd64" | "arm64"): string {
  const a = arch === "arm64" ? "arm64" : "x64";
  return `https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/actions-runner-linux-${a}-${RUNNER_VERSION}.tar.gz`;
}
export const RUNNER_IMAGE = `ghcr.io/actions/actions-runner:${RUNNER_VERSION}`;

/** EKS Kubernetes minor version for new clusters; a stack may pin another with cluster.version. */
export const EKS_VERSION = "1.33";
