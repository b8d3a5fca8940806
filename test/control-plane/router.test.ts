import { describe, expect, it } from "vitest";
import { createLogger } from "../../control-plane/aws/log";
import { route, SCHEDULE_MARGIN_MS, UnknownEvent, type Services } from "../../control-plane/router";
import { urlEvent } from "./fleet";

function services(over: Partial<Services> = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  const s: Services = {
    log: createLogger((l) => lines.push(l)),
    broker: async () => {
      calls.push("broker");
      return { statusCode: 200, headers: {}, body: "{}", isBase64Encoded: false };
    },
    listen: async (deadline) => {
      calls.push(`listen ${deadline}`);
      return { polled: 1 };
    },
    reap: async () => {
      calls.push("reap");
      return { reaped: 0 };
    },
    mirror: async (force) => {
      calls.push(`mirror ${force}`);
      return { mirrored: force };
    },
    register: async (e) => {
      calls.push(`register ${e.tf?.action}`);
      return { scaleSetId: 1 };
    },
    ...over,
  };
  return { s, calls, lines };
}

const ctx = (ms: number) => ({ getRemainingTimeInMillis: () => ms, awsRequestId: "r1" });
// The shape EventBridge delivers for a schedule rule.
const scheduled = { version: "0", id: "53dc4d37", "detail-type": "Scheduled Event", source: "aws.events", account: "123456789012", time: "2026-11-23T08:00:00Z", region: "eu-west-1", resources: ["arn:aws:events:eu-west-1:123456789012:rule/fleet"], detail: {} };

describe("router", () => {
  it("sends function URL requests to the broker only", async () => {
    const { s, calls } = services();
    const res = await route(urlEvent({ userArn: "x", body: {} }), ctx(60_000), s);
    expect(res).toMatchObject({ statusCode: 200 });
    expect(calls).toEqual(["broker"]);
  });

  it("runs listener (deadline inside the timeout), reaper and due mirror on a schedule, and survives one failing", async () => {
    const { s, calls, lines } = services({
      reap: async () => {
        throw new Error("reaper broke");
      },
    });
    const before = Date.now();
    const out = (await route(scheduled, ctx(900_000), s)) as Record<string, unknown>;
    const deadline = Number(calls.find((c) => c.startsWith("listen"))!.split(" ")[1]);
    expect(deadline).toBeGreaterThanOrEqual(before + 900_000 - SCHEDULE_MARGIN_MS);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 900_000 - SCHEDULE_MARGIN_MS);
    expect(calls).toContain("mirror false");
    expect(out).toEqual({ listener: { polled: 1 }, reaper: { failed: true }, mirror: { mirrored: false } });
    expect(lines.some((l) => JSON.parse(l).msg === "reaper failed")).toBe(true);
  });

  it("serves registration and the deploy-time mirror by direct invocation", async () => {
    const { s, calls } = services();
    expect(await route({ action: "register", pools: [], tf: { action: "update", prev_input: {} } }, ctx(60_000), s)).toEqual({ scaleSetId: 1 });
    expect(await route({ action: "mirror" }, ctx(60_000), s)).toEqual({ mirrored: true });
    expect(calls).toEqual(["register update", "mirror true"]);
  });

  it("refuses anything else, logged, touching nothing", async () => {
    for (const e of [{ action: "jit" }, { source: "aws.s3" }, "hello", null, [], { version: "1.0", requestContext: {} }]) {
      const { s, calls, lines } = services();
      await expect(route(e, ctx(60_000), s)).rejects.toBeInstanceOf(UnknownEvent);
      expect(calls).toEqual([]);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", msg: "refused an invocation" });
    }
  });
});
