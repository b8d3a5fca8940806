import { GITHUB_RUNNER_WINDOW_DAYS, RUNNER_RELEASES } from "./versions";
import type { StackConfig } from "./schema";

const DAY = 86_400_000;
const days = (ms: number): number => Math.floor(ms / DAY);

export interface PinReport {
  /** Config key of the pin. */
  key: string;
  version: string | undefined;
  /** A line for the render and `npm run fleet`. */
  message: string;
  /** Past GitHub's window (or unknowable): the runner may get no jobs. */
  warn: boolean;
}

/** The runner version an image reference names, when its tag is one (`…/actions-runner:2.335.1`). */
export function imageRunnerVersion(image: string): string | undefined {
  return /:v?(\d+\.\d+\.\d+)$/.exec(image)?.[1];
}

/** How old a pinned runner version is against the releases we know of, and whether GitHub's window has closed. */
export function pinAge(version: string, now: Date, key: string): PinReport {
  const i = RUNNER_RELEASES.findIndex((r) => r.version === version);
  if (i < 0) return { key, version, message: `${key}: runner ${version} is not a release we know of (newest known: ${RUNNER_RELEASES[0]!.version}); check it against GitHub's 30-day window`, warn: true };
  const released = Date.parse(`${RUNNER_RELEASES[i]!.date}T00:00:00Z`);
  const age = `runner ${version} (released ${RUNNER_RELEASES[i]!.date}, ${days(now.getTime() - released)} days ago)`;
  if (i === 0) return { key, version, message: `${key}: ${age} is the newest release known here`, warn: false };
  const next = RUNNER_RELEASES[i - 1]!;
  const closes = Date.parse(`${next.date}T00:00:00Z`) + GITHUB_RUNNER_WINDOW_DAYS * DAY;
  const left = days(closes - now.getTime());
  return left < 0
    ? { key, version, message: `${key}: ${age} is ${-left} days past GitHub's ${GITHUB_RUNNER_WINDOW_DAYS}-day window (${next.version} came out ${next.date}): GitHub may stop sending it jobs; unpin or move to ${RUNNER_RELEASES[0]!.version}`, warn: true }
    : { key, version, message: `${key}: ${age}; ${next.version} came out ${next.date}, so GitHub's window for it closes in ${left} days`, warn: left <= 7 };
}

/** Every runner version a stack pins (image tags of its runner sets), and a line saying EC2 hosts pin none. */
export function runnerPins(cfg: StackConfig, now: Date): PinReport[] {
  const out: PinReport[] = [];
  cfg.runnerSets.forEach((s, i) => {
    if (s.image === undefined) return;
    const key = `runnerSets[${i}].image`;
    const v = imageRunnerVersion(s.image);
    out.push(v ? pinAge(v, now, key) : { key, version: undefined, message: `${key}: ${s.image} names no runner version; make sure it tracks actions/runner releases (GitHub's 30-day window)`, warn: false });
  });
  // Hosts pin nothing: they install the release the control plane mirrors from GitHub's latest.
  if (cfg.hostPools.length > 0) {
    out.push({ key: "hostPools", version: undefined, message: "hostPools: hosts run the release the control plane mirrors (GitHub's latest, checked daily and at deploy; idle slots move to it within 15 minutes): nothing pinned", warn: false });
  }
  return out;
}
