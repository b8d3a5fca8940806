/**
 * Every pinned upstream version, in one place, so that an upgrade is one reviewed diff.
 * The ARC chart version must match the CRDs and chart defaults in ../shared/upstream that tests read.
 */
export const ARC_CHART_VERSION = "0.14.2";
export const ARC_CHART_REPO = "oci://ghcr.io/actions/actions-runner-controller-charts";
export const ARC_CONTROLLER_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set-controller`;
export const ARC_SCALE_SET_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set`;

/** actions/runner release; the ghcr.io image of the same tag is multi-arch (amd64 + arm64). */
export const RUNNER_VERSION = "2.334.0";
export const RUNNER_IMAGE = `ghcr.io/actions/actions-runner:${RUNNER_VERSION}`;

/** EKS Kubernetes minor version for new clusters; a stack may pin another with cluster.version. */
export const EKS_VERSION = "1.33";
