import { afterEach, describe, expect, it } from "vitest";
import { BudgetWait, GitHubBudget, pacedFetch, type BudgetClock } from "../../control-plane/github/budget";
import { ScaleSetError } from "../../control-plane/scaleset/api";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { BROKER_MAX_CONTAINERS, budgetShare, GITHUB_BUDGET_SHARES, GITHUB_LIMITS, githubPoints } from "../../protocol/github-budget";
import { GitHubRateLimits } from "../standins/rate-limits";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";

/** A fake clock the budget sleeps on: time moves only when the test says so. */
function fakeClock(): BudgetClock & { advance(ms: number): Promise<void> } {
  let t = 0;
  let timers: { at: number; fire: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms) => new Promise<void>((r) => timers.push({ at: t + ms, fire: r })),
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        t = Math.max(t, due.at);
        timers = timers.filter((x) => x !== due);
        due.fire();
      }
      t = end;
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("GitHub's limits and their shares", () => {
  it("counts points as GitHub documents and keeps every party's sum under 80 % of the limits", () => {
    expect([githubPoints("GET"), githubPoints("head"), githubPoints("POST"), githubPoints("PATCH"), githubPoints("DELETE")]).toEqual([1, 1, 5, 5, 5]);
    const shares = Object.values(GITHUB_BUDGET_SHARES);
    expect(shares.reduce((s, x) => s + x.pointsPerMinute, 0)).toBeLessThanOrEqual(0.8 * GITHUB_LIMITS.pointsPerMinute);
    expect(shares.reduce((s, x) => s + x.concurrent, 0)).toBeLessThanOrEqual(0.5 * GITHUB_LIMITS.concurrentRequests);
    // The broker's containers together hold exactly the broker's share.
    expect(budgetShare("broker").pointsPerMinute * BROKER_MAX_CONTAINERS).toBe(GITHUB_BUDGET_SHARES.broker.pointsPerMinute);
  });
});

describe("GitHubBudget on a fake clock", () => {
  it("never spends more than its points in any sliding minute, serving waiters in order", async () => {
    const clock = fakeClock();
    const b = new GitHubBudget({ pointsPerMinute: 50, concurrent: 100 }, clock);
    const started: [number, number][] = [];
    const all = Array.from({ length: 25 }, (_, i) => b.acquire(5).then((release) => (started.push([i, clock.now()]), release())));
    await clock.advance(0);
    expect(started).toHaveLength(10);
    await clock.advance(59_999);
    expect(started).toHaveLength(10);
    await clock.advance(1);
    expect(started).toHaveLength(20);
    await clock.advance(60_000);
    await Promise.all(all);
    expect(started.map(([i]) => i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // Any 60 s window holds at most 10 starts (50 points).
    for (const [, at] of started) expect(started.filter(([, t]) => t >= at && t < at + 60_000).length).toBeLessThanOrEqual(10);
    expect(b.peakPointsPerMinute).toBe(50);
  });

  it("holds requests in flight to its cap", async () => {
    const clock = fakeClock();
    const b = new GitHubBudget({ pointsPerMinute: 900, concurrent: 2 }, clock);
    const r1 = await b.acquire(1);
    await b.acquire(1);
    let third = false;
    const p = b.acquire(1).then((r) => ((third = true), r));
    await clock.advance(0);
    expect(third).toBe(false);
    r1();
    r1(); // a second release of the same slot frees nothing more
    await p;
    expect(third).toBe(true);
    let fourth = false;
    void b.acquire(1).then(() => (fourth = true));
    await clock.advance(0);
    expect(fourth).toBe(false);
  });

  it("stops everyone for Retry-After on a 403/429, and until x-ratelimit-reset when the primary budget is spent", async () => {
    const clock = fakeClock();
    const b = new GitHubBudget({ pointsPerMinute: 900, concurrent: 10 }, clock);
    b.observe(403, new Headers({ "retry-after": "30", "x-ratelimit-remaining": "4000" }));
    expect(b.waitMs(1)).toBe(30_000);
    let went = false;
    void b.acquire(1).then((r) => ((went = true), r()));
    await clock.advance(29_999);
    expect(went).toBe(false);
    await clock.advance(1);
    expect(went).toBe(true);
    b.observe(403, new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String((clock.now() + 120_000) / 1000) }));
    expect(b.waitMs(1)).toBe(120_000);
    // A plain 403 (a refusal, not a limit) pauses nobody.
    const c = new GitHubBudget({ pointsPerMinute: 900, concurrent: 10 }, clock);
    c.observe(403, new Headers());
    expect(c.waitMs(1)).toBe(0);
  });

  it("refuses at once, with when to come back, a caller that may not wait that long (the broker)", async () => {
    const clock = fakeClock();
    const b = new GitHubBudget({ pointsPerMinute: 10, concurrent: 10 }, clock);
    (await b.acquire(5, { maxWaitMs: 2000 }))();
    (await b.acquire(5, { maxWaitMs: 2000 }))();
    const e = await b.acquire(5, { maxWaitMs: 2000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BudgetWait);
    expect((e as BudgetWait).retryAfterMs).toBe(60_000);
  });

  it("paces fetch by method and tells the budget what GitHub answered", async () => {
    const clock = fakeClock();
    const b = new GitHubBudget({ pointsPerMinute: 900, concurrent: 10 }, clock);
    const f = pacedFetch(b, (async () => new Response("{}", { status: 429, headers: { "retry-after": "7" } })) as typeof fetch);
    await f("https://api.github.com/x", { method: "POST" });
    expect(b.used()).toBe(5);
    expect(b.waitMs(1)).toBe(7000);
  });
});

describe("the scale-set client's JIT burst against the stand-in with GitHub's limits on", () => {
  let standin: ScaleSetStandin | undefined;
  afterEach(async () => {
    await standin?.close();
    standin = undefined;
  });
  // GitHub's minute scaled to 1.5 s so the test runs in seconds; the points and concurrency are GitHub's ratios.
  const WINDOW = 1500;
  const PAT = "ghp_standinstandinstandin0123456789";

  async function burst(paced: boolean, n: number) {
    const limits = new GitHubRateLimits({ pointsPerMinute: 100, concurrent: 8, windowMs: WINDOW, retryAfterSeconds: 1 });
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 100, rateLimits: limits });
    const budget = new GitHubBudget({ pointsPerMinute: 80, concurrent: 6, windowMs: WINDOW });
    const client = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT }, {
      http: { retryMax: 0 },
      ...(paced ? { budget: { budget } } : {}),
    });
    const group = await client.getRunnerGroupByName("default");
    const set = await client.createRunnerScaleSet({ name: "burst", runnerGroupId: group.id, labels: [] });
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => client.generateJitRunnerConfig(set.id, { name: `r-${i}`, workFolder: "_work" })));
    return { limits, budget, results, started: Date.now() };
  }

  it("without the budget the stand-in refuses the burst as GitHub would (the limit is live)", async () => {
    const { limits, results } = await burst(false, 30);
    expect(limits.hits.length).toBeGreaterThan(0);
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as ScaleSetError);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ kind: "throttled", status: 403 });
  }, 30_000);

  it("with the budget every JIT config is made and no limit is hit", async () => {
    const t0 = Date.now();
    const { limits, budget, results } = await burst(true, 30);
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(limits.hits).toEqual([]);
    // The server sees each request a little after the client counted it, so its window can hold
    // more than the client's: why the budget keeps headroom under GitHub's number.
    expect(limits.peakPoints).toBeLessThanOrEqual(limits.pointsPerMinute);
    expect(limits.peakConcurrent).toBeLessThanOrEqual(6);
    expect(budget.peakPointsPerMinute).toBeLessThanOrEqual(80);
    // 30 JITs + connection and setup at 5 points against 80 a window take at least two windows.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * WINDOW);
  }, 30_000);

  it("the broker's client answers a spent budget as GitHub's throttling, with when to come back", async () => {
    const limits = new GitHubRateLimits({ pointsPerMinute: 100, concurrent: 8, windowMs: WINDOW });
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 100, rateLimits: limits });
    // The connection (two POSTs), the group (GET) and the set (POST) spend 16 of 20 points: no room for a JIT (5) this window.
    const budget = new GitHubBudget({ pointsPerMinute: 20, concurrent: 2, windowMs: WINDOW });
    const client = createScaleSetClient(standin.orgUrl("acme"), `${standin.url}/api/v3`, { kind: "token", token: PAT }, { http: { retryMax: 0 }, budget: { budget, maxWaitMs: 100 } });
    const group = await client.getRunnerGroupByName("default");
    const set = await client.createRunnerScaleSet({ name: "b", runnerGroupId: group.id, labels: [] });
    const e = await client.generateJitRunnerConfig(set.id, { name: "r", workFolder: "_work" }).catch((x: unknown) => x);
    expect(e, String(e)).toBeInstanceOf(ScaleSetError);
    expect(e).toMatchObject({ kind: "throttled" });
    expect((e as ScaleSetError).retryAfterMs).toBeGreaterThan(0);
    expect(limits.hits).toEqual([]);
  }, 30_000);
});
