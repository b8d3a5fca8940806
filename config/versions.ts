/**
 * Every pinned upstream version, in one place, so that an upgrade is one reviewed diff.
 * The ARC chart version must match the CRDs and chart defaults in ../shared/upstream that tests read.
 */
export const ARC_CHART_VERSION = "0.14.2";
export const ARC_CHART_REPO = "oci://ghcr.io/actions/actions-runner-controller-charts";
export const ARC_CONTROLLER_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set-controller`;
export const ARC_SCALE_SET_CHART = `${ARC_CHART_REPO}/gha-runner-scale-set`;

/**
 * ARC's own default runner image (gha-runner-scale-set values.yaml, template.spec.containers):
 * a tag that tracks the current runner, pulled when each runner pod starts (`:latest` means
 * imagePullPolicy Always). Sets use it unless they pin `image`.
 */
export const ARC_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:latest";

/**
 * actions/runner releases, newest first, dated by their tag's commit in actions/runner (checked
 * 2026-11-23). GitHub stops dispatching to a runner that does not update itself once it is more than
 * 30 days behind a newer release, so a pin's window closes 30 days after the release that follows it.
 * Add each new release here (newest first) when it is published.
 */
export const RUNNER_RELEASES: readonly { version: string; date: string }[] = [
  { version: "2.336.0", date: "2026-07-20" },
  { version: "2.335.1", date: "2026-06-09" },
  { version: "2.335.0", date: "2026-06-08" },
  { version: "2.334.0", date: "2026-04-21" },
  { version: "2.333.1", date: "2026-03-27" },
  { version: "2.333.0", date: "2026-03-18" },
];

export const GITHUB_RUNNER_WINDOW_DAYS = 30;

/** EKS Kubernetes minor version for new clusters; a stack may pin another with cluster.version. */
export const EKS_VERSION = "1.33";
