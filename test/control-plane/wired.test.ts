import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitAnswer } from "../../protocol/broker";
import { createLogger } from "../../control-plane/aws/log";
import { registrationInput } from "../../control-plane/registration/handler";
import { route } from "../../control-plane/router";
import { scaleSetParts } from "../../control-plane/runtime/scale-set-parts";
import { createServices } from "../../control-plane/runtime/services";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { CANARY_TOKEN, pool, sessionArn, setUpFleet, urlEvent, type MotoFleet } from "./fleet";

/** handler.ts's own wiring (no test doubles): the scale-set client and listener of cp-scaleset against their stand-in, AWS in moto. */
describe.runIf(hasMoto())("control plane as deployed, against the scale-set stand-in and moto", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  let fleet: MotoFleet;
  const lines: string[] = [];
  let services: ReturnType<typeof createServices>;

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    standin = await startScaleSetStandin({ scopes: ["my-org"], githubTokens: [CANARY_TOKEN], pollMs: 100 });
    fleet = await setUpFleet(moto, [pool("alpha", { runnerGroup: "default" })], { alpha: 1 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }));
    fleet.config.pools[0]!.githubUrl = standin.orgUrl("my-org");
    const config = { ...fleet.config, endpoints: { aws: moto.controlPlane.endpoint, github: `${standin.url}/api/v3` } };
    services = createServices(config, scaleSetParts, createLogger((l) => lines.push(l)), { aws: { credentials: moto.controlPlane.credentials }, metricsLine: (l) => lines.push(l) });
  }, 60_000);
  afterAll(async () => {
    await standin?.close();
    await moto?.stop();
    expect(lines.join("\n")).not.toContain(CANARY_TOKEN);
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
    expect(moto.proxy.allowed.length).toBeGreaterThan(0);
  });

  it("a scheduled run registers the pool's scale set and holds one session within its deadline; then the broker issues from it", async () => {
    // The listener polls until its deadline (remaining − 20 s): 23 s leaves it 3 s of 100 ms polls against the stand-in.
    const out = (await route({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }, { getRemainingTimeInMillis: () => 23_000 }, services)) as {
      listener: { pools: { pool: string; scaleSetId?: number; sessions: number; errors: string[] }[] };
    };
    const [p] = out.listener.pools;
    expect(p).toMatchObject({ pool: "alpha", sessions: 1, errors: [] });
    expect(standin.scaleSets().map((s) => s.name)).toEqual(["alpha-set"]);
    expect(standin.sessions()).toEqual([]);
    // The session was opened with the stored credential and closed before the deadline.
    expect(standin.requests.some((r) => r.method === "POST" && /sessions$/.test(r.path) && r.status < 300)).toBe(true);

    const res = (await route(urlEvent({ userArn: sessionArn("alpha-host", fleet.instances.alpha![0]!), body: { v: 1, action: "jit", pool: "alpha", slot: 1 } }), { getRemainingTimeInMillis: () => 25_000 }, services)) as {
      statusCode: number;
      body: string;
    };
    expect(res.statusCode).toBe(200);
    const jit = JSON.parse(res.body) as JitAnswer;
    expect(jit.scaleSetId).toBe(standin.scaleSets()[0]!.id);
    expect(standin.runners().map((r) => r.name)).toEqual([jit.runnerName]);
  }, 60_000);
  it("registers at deploy through the direct-invocation door, and fails the deploy readably", async () => {
    const input = registrationInput(fleet.config.pools);
    const ctx = { getRemainingTimeInMillis: () => 60_000 };
    // The listener registered it already: an update finds it unchanged.
    expect(await route({ ...input, tf: { action: "update", prev_input: input } }, ctx, services)).toMatchObject({ action: "update", unchanged: ["alpha"] });
    expect(standin.scaleSets().map((s) => s.name)).toEqual(["alpha-set"]);
    // Removing the pool from the input deletes its scale set.
    expect(await route({ action: "register", pools: [], tf: { action: "update", prev_input: input } }, ctx, services)).toMatchObject({ deleted: ["alpha"] });
    expect(standin.scaleSets()).toEqual([]);
    standin.failNext(/runnerscalesets/, 400, 1);
    await expect(route({ ...input, tf: { action: "create", prev_input: null } }, ctx, services)).rejects.toThrow(/alpha/);
  }, 60_000);
});
