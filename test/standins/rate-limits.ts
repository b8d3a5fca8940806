import { GITHUB_LIMITS, githubPoints } from "../../protocol/github-budget";

/**
 * GitHub's documented limits as a stand-in enforces them, for one credential (an installation):
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
 * - secondary: "No more than 100 concurrent requests"; "No more than 900 points per minute ...
 *   for REST API endpoints" with GET/HEAD/OPTIONS 1 point and POST/PATCH/PUT/DELETE 5; exceeded,
 *   GitHub answers 403 or 429 with a Retry-After header while x-ratelimit-remaining is not 0;
 * - primary: an installation's 5,000 requests an hour (the floor GitHub documents for GitHub App
 *   installations); spent, 403 with x-ratelimit-remaining 0 and x-ratelimit-reset.
 * At least as strict as GitHub: the window is a sliding minute (a client that paces per calendar
 * minute can burst 2× across a boundary and is refused here), and the stand-in never lets an
 * excess through. `windowMs` scales the minute down for tests; the hour scales with it.
 */
export interface RateLimitOptions {
  pointsPerMinute?: number;
  concurrent?: number;
  requestsPerHour?: number;
  windowMs?: number;
  /** Seconds a client is told to wait (Retry-After) after a secondary limit. */
  retryAfterSeconds?: number;
}

export type Admission = { ok: true; leave: () => void } | { ok: false; status: 403 | 429; headers: Record<string, string>; body: { message: string; documentation_url: string } };

const DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

export class GitHubRateLimits {
  readonly pointsPerMinute: number;
  readonly concurrent: number;
  readonly requestsPerHour: number;
  readonly windowMs: number;
  /** Every refusal, "<kind> <method> <path>": a paced client never appears here. */
  readonly hits: string[] = [];
  /** Highest points in any window and highest requests in flight, seen by the server. */
  peakPoints = 0;
  peakConcurrent = 0;
  private inFlight = 0;
  private readonly points: { at: number; points: number }[] = [];
  private readonly hour: number[] = [];
  private pausedUntil = 0;

  constructor(
    o: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.pointsPerMinute = o.pointsPerMinute ?? GITHUB_LIMITS.pointsPerMinute;
    this.concurrent = o.concurrent ?? GITHUB_LIMITS.concurrentRequests;
    this.requestsPerHour = o.requestsPerHour ?? GITHUB_LIMITS.installationRequestsPerHour;
    this.windowMs = o.windowMs ?? 60_000;
    this.retryAfterSeconds = o.retryAfterSeconds ?? 60;
  }
  private readonly retryAfterSeconds: number;

  /** Admits one request or answers as GitHub does; call `leave` when the answer is sent. */
  enter(method: string, path: string): Admission {
    const now = this.now();
    while (this.points.length > 0 && this.points[0]!.at + this.windowMs <= now) this.points.shift();
    const hourMs = this.windowMs * 60;
    while (this.hour.length > 0 && this.hour[0]! + hourMs <= now) this.hour.shift();
    const resetS = String(Math.ceil(((this.hour[0] ?? now) + hourMs) / 1000));
    const rate = (remaining: number) => ({ "x-ratelimit-limit": String(this.requestsPerHour), "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": resetS, "x-ratelimit-resource": "core" });
    if (this.hour.length >= this.requestsPerHour) {
      this.hits.push(`primary ${method} ${path}`);
      return { ok: false, status: 403, headers: rate(0), body: { message: "API rate limit exceeded for installation.", documentation_url: DOCS } };
    }
    const cost = githubPoints(method);
    const used = this.points.reduce((s, x) => s + x.points, 0);
    const secondary = (kind: string): Admission => {
      this.hits.push(`${kind} ${method} ${path}`);
      // A client that ignores Retry-After keeps being refused until it passed.
      this.pausedUntil = Math.max(this.pausedUntil, now + this.retryAfterSeconds * 1000);
      return {
        ok: false,
        status: 403,
        headers: { "retry-after": String(this.retryAfterSeconds), ...rate(this.requestsPerHour - this.hour.length) },
        body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: `${DOCS}#about-secondary-rate-limits` },
      };
    };
    if (now < this.pausedUntil) return secondary("retry-after-ignored");
    if (this.inFlight + 1 > this.concurrent) return secondary("concurrent");
    if (used + cost > this.pointsPerMinute) return secondary("points");
    this.points.push({ at: now, points: cost });
    this.hour.push(now);
    this.inFlight++;
    this.peakConcurrent = Math.max(this.peakConcurrent, this.inFlight);
    this.peakPoints = Math.max(this.peakPoints, used + cost);
    let left = false;
    return {
      ok: true,
      leave: () => {
        if (left) return;
        left = true;
        this.inFlight--;
      },
    };
  }
}
