import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { desiredHosts } from "../../control-plane/scaling/desired";
import { simulate } from "../standins/scaleset-sim";
import { pool } from "./fleet";

/**
 * The real listener and scaling code over random job traces on a fake clock (test/standins/
 * scaleset-sim.ts): arrivals, completions, host boots, spot losses, session losses, AWS throttling.
 */

describe("desiredHosts", () => {
  it("is clamp(ceil((assigned + warm) / runnersPerHost), min, max)", () => {
    const p = { runnersPerHost: 2, minHosts: 1, maxHosts: 5, warmIdleRunners: 1 };
    expect([0, 1, 2, 3, 8, 9, 100].map((a) => desiredHosts(p, a))).toEqual([1, 1, 2, 2, 5, 5, 5]);
    expect(desiredHosts({ ...p, minHosts: 0, warmIdleRunners: 0 }, 0)).toBe(0);
  });
});

const MIN = 60_000;

const trace = fc.record({
  runnersPerHost: fc.integer({ min: 1, max: 4 }),
  minHosts: fc.integer({ min: 0, max: 2 }),
  extraMax: fc.integer({ min: 1, max: 6 }),
  warmIdleRunners: fc.integer({ min: 0, max: 3 }),
  bootMs: fc.constantFrom(20_000, 90_000),
  jobs: fc.array(
    fc.record({
      arrive: fc.integer({ min: 0, max: 30 * MIN }),
      duration: fc.integer({ min: 10_000, max: 15 * MIN }),
      // As workflows write it: any non-empty part of what the set registers, in any case, or a label it lacks.
      runsOn: fc.oneof(
        { weight: 9, arbitrary: fc.subarray(["sim-set", "self-hosted", "linux", "X64", "kvm"], { minLength: 1 }).map((l) => l.map((x, i) => (i % 2 ? x.toUpperCase() : x))) },
        { weight: 1, arbitrary: fc.constant<string[]>(["self-hosted", "ARM64"]) },
      ),
    }),
    { minLength: 1, maxLength: 40 },
  ),
  spotLosses: fc.array(fc.integer({ min: 0, max: 40 * MIN }), { maxLength: 4 }),
  sessionLosses: fc.array(fc.integer({ min: 0, max: 40 * MIN }), { maxLength: 4 }),
  throttleCalls: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 3 }),
});

describe("listener over random traces", () => {
  it("stays within [min, max], never lowers desired, covers each message's demand before acking it, and loses no job", async () => {
    await fc.assert(
      fc.asyncProperty(trace, async (t) => {
        const p = pool("sim", { labels: ["sim-set", "kvm", "self-hosted", "linux", "X64"], runnersPerHost: t.runnersPerHost, minHosts: t.minHosts, maxHosts: t.minHosts + t.extraMax, warmIdleRunners: t.warmIdleRunners });
        const lastArrival = Math.max(...t.jobs.map((j) => j.arrive));
        const report = await simulate({
          scope: "https://github.com/my-org",
          pool: p,
          jobs: t.jobs,
          bootMs: t.bootMs,
          idleLeaveMs: 5 * MIN,
          spotLosses: t.spotLosses,
          sessionLosses: t.sessionLosses,
          throttleCalls: t.throttleCalls,
          // Enough time for every job to run even one host at a time.
          endMs: lastArrival + t.jobs.reduce((s, j) => s + j.duration, 0) + 10 * MIN,
        });
        expect(report.violations).toEqual([]);
        expect(report.maxDesired).toBeLessThanOrEqual(p.maxHosts);
        expect(report.minDesiredSeen).toBeGreaterThanOrEqual(p.minHosts);
        // A job for labels the set lacks is never offered: it stays queued and asks for no capacity.
        const foreign = report.jobs.filter((j) => j.runsOn.includes("ARM64"));
        expect(foreign.every((j) => j.state === "queued" && j.covered === undefined)).toBe(true);
        // No job of the set lost: each one ran to the end, or failed only with the spot host it ran on.
        const stuck = report.jobs.filter((j) => !foreign.includes(j) && j.state !== "done" && j.state !== "failed");
        expect(stuck).toEqual([]);
        const failed = report.jobs.filter((j) => j.state === "failed").length;
        expect(failed).toBeLessThanOrEqual(t.spotLosses.length * p.runnersPerHost);
        // Every matching job's capacity was requested (its offering message acked after acting).
        expect(report.jobs.every((j) => foreign.includes(j) || j.covered !== undefined)).toBe(true);
      }),
      { numRuns: 60, seed: 20261123 },
    );
  }, 120_000);

  it("a job offered while a run listens gets capacity requested within that poll (no wait for the next run)", async () => {
    const p = pool("react", { runnersPerHost: 2, minHosts: 0, maxHosts: 10 });
    const report = await simulate({ scope: "https://github.com/my-org", pool: p, jobs: [0, 1, 2].map(() => ({ arrive: 10_000, duration: 60_000, runsOn: [p.scaleSetName] })), bootMs: 20_000, idleLeaveMs: 5 * MIN, endMs: 10 * MIN });
    expect(report.violations).toEqual([]);
    expect(report.jobs.map((j) => j.covered! - j.arrive)).toEqual([0, 0, 0]);
    expect(report.maxDesired).toBe(2);
    expect(report.jobs.every((j) => j.state === "done")).toBe(true);
  });
});
