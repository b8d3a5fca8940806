import { githubPoints } from "../../protocol/github-budget";

/**
 * One function's share of GitHub's limits for one credential (protocol/github-budget.ts): a
 * sliding minute of points (GitHub counts points per minute, so a bucket refilled per minute could
 * let through twice the share in a window straddling two minutes), a cap on requests in flight,
 * and a pause for everyone once GitHub says to wait (Retry-After, or a spent primary budget until
 * x-ratelimit-reset). Waiters are served in order, so a burst of JIT requests cannot starve a call
 * that waited first.
 */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: BudgetClock = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** The wait is longer than the caller may wait: answer "try again in retryAfterMs" instead. */
export class BudgetWait extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`GitHub budget spent for ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = "BudgetWait";
  }
}

const WINDOW_MS = 60_000;
/** `at` of a request whose answer has not come: it stays in every window until it does. */
const OPEN = Number.MAX_SAFE_INTEGER;

interface Waiter {
  points: number;
  resolve: (release: () => void) => void;
}

export class GitHubBudget {
  /** Points by when GitHub may have counted them: open until the answer came, then its time. */
  private spent: { at: number; points: number }[] = [];
  private readonly queue: Waiter[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private timerAt = Infinity;
  private readonly windowMs: number;
  /** Highest points in any minute so far, for the benchmark and the run summary. */
  peakPointsPerMinute = 0;

  constructor(
    readonly limits: { pointsPerMinute: number; concurrent: number; /** Tests scale GitHub's minute down. */ windowMs?: number },
    private readonly clock: BudgetClock = realClock,
  ) {
    this.windowMs = limits.windowMs ?? WINDOW_MS;
    if (limits.pointsPerMinute < 5 || limits.concurrent < 1) throw new Error(`a GitHub budget below one write a minute or one request at a time cannot serve: ${JSON.stringify(limits)}`);
  }

  /** Points spent in the last minute. */
  used(): number {
    this.trim(this.clock.now());
    return this.spent.reduce((s, x) => s + x.points, 0);
  }

  /** When a request of `points` could start if nobody else were waiting. */
  waitMs(points: number): number {
    const now = this.clock.now();
    this.trim(now);
    let wait = Math.max(0, this.pausedUntil - now);
    let over = this.spent.reduce((s, x) => s + x.points, 0) + points - this.limits.pointsPerMinute;
    // A request still waiting for its answer is taken as answered now: the earliest it can leave.
    for (const x of this.spent.map((e) => (e.at === OPEN ? { ...e, at: now } : e)).sort((a, b) => a.at - b.at)) {
      if (over <= 0) break;
      wait = Math.max(wait, x.at + this.windowMs - now);
      over -= x.points;
    }
    return wait;
  }

  /**
   * Waits for room for one request of `points` and a slot; the returned release frees the slot.
   * With `maxWaitMs`, a longer wait is refused at once with BudgetWait (the broker answers a host).
   */
  acquire(points: number, opts: { maxWaitMs?: number } = {}): Promise<() => void> {
    if (opts.maxWaitMs !== undefined) {
      const ahead = this.queue.reduce((s, w) => s + w.points, 0);
      const wait = this.waitMs(points + ahead);
      if (wait > opts.maxWaitMs) return Promise.reject(new BudgetWait(wait));
    }
    return new Promise((resolve) => {
      this.queue.push({ points, resolve });
      this.pump();
    });
  }

  /** Everyone waits until `untilMs` (GitHub's Retry-After or reset). */
  pause(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  /**
   * What GitHub's answer says about the budget: a secondary limit (403/429 with Retry-After) or a
   * spent primary limit (x-ratelimit-remaining 0) pauses every caller, not just the one that hit it.
   */
  observe(status: number, headers: Headers): void {
    if (status !== 403 && status !== 429) return;
    const now = this.clock.now();
    const after = headers.get("retry-after");
    if (after !== null && /^\d+$/.test(after.trim())) return this.pause(now + Number(after.trim()) * 1000);
    if (headers.get("x-ratelimit-remaining") === "0") {
      const reset = Number(headers.get("x-ratelimit-reset"));
      if (Number.isFinite(reset) && reset > 0) return this.pause(Math.max(now, reset * 1000));
    }
    // "Otherwise, wait for at least one minute before retrying" (GitHub's docs), when it says it limited us.
    if (status === 429) this.pause(now + this.windowMs);
  }

  private trim(now: number): void {
    if (this.spent.some((x) => x.at + this.windowMs <= now)) this.spent = this.spent.filter((x) => x.at + this.windowMs > now);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      if (this.inFlight >= this.limits.concurrent) return; // a release pumps again
      const head = this.queue[0]!;
      const wait = this.waitMs(head.points);
      if (wait > 0) return this.wake(wait);
      this.queue.shift();
      // GitHub counts the request when it arrives, somewhere before its answer: the points stay
      // in the window until a full window after the answer, so GitHub's window never holds more.
      const entry = { at: OPEN, points: head.points };
      this.spent.push(entry);
      this.peakPointsPerMinute = Math.max(this.peakPointsPerMinute, this.used());
      this.inFlight++;
      let released = false;
      head.resolve(() => {
        if (released) return;
        released = true;
        entry.at = this.clock.now();
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** One timer, for the soonest moment the head of the queue may go (a release also pumps). */
  private wake(ms: number): void {
    const at = this.clock.now() + ms;
    if (at >= this.timerAt) return;
    this.timerAt = at;
    void this.clock.sleep(ms).then(() => {
      if (this.timerAt === at) this.timerAt = Infinity;
      this.pump();
    });
  }
}

/**
 * fetch through a budget: each request waits for its points (by method, as GitHub counts them) and
 * a slot, holds the slot until its answer arrived, and reports limits GitHub answered with.
 */
export function pacedFetch(budget: GitHubBudget, inner: typeof fetch = fetch, opts: { maxWaitMs?: number } = {}): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const release = await budget.acquire(githubPoints(method), opts);
    try {
      const res = await inner(input, init);
      budget.observe(res.status, res.headers);
      return res;
    } finally {
      release();
    }
  };
}
