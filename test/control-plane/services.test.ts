import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitAnswer } from "../../protocol/broker";
import { createLogger } from "../../control-plane/aws/log";
import { route } from "../../control-plane/router";
import type { ScaleSetParts } from "../../control-plane/runtime/scale-set-parts";
import { createServices } from "../../control-plane/runtime/services";
import { ScaleSetError } from "../../control-plane/scaleset/api";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { GitHubOpenApi } from "../standins/openapi";
import { GitHubStandIn } from "../standins/github-rest";
import { AdminDouble } from "./admin-double";
import { bucketSnapshot, CANARY_TOKEN, pool, sessionArn, setUpFleet, urlEvent, type MotoFleet } from "./fleet";

/** The whole control plane as handler.ts wires it, against moto and the GitHub stand-in; only the scale-set parts are test doubles. */
describe.runIf(hasMoto())("control plane services, wired", () => {
  let moto: ControlPlaneMoto;
  let fleet: MotoFleet;
  const gh = new GitHubStandIn(new GitHubOpenApi(), { token: CANARY_TOKEN });
  const lines: string[] = [];
  const listened: number[] = [];
  let admin: AdminDouble;
  let services: ReturnType<typeof createServices>;
  const ctx = { getRemainingTimeInMillis: () => 60_000, awsRequestId: "inv-1" };

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    await gh.start();
    fleet = await setUpFleet(moto, [pool("alpha")], { alpha: 1 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }));
    admin = new AdminDouble([{ id: 7, name: "alpha-set", runnerGroupId: 1, labels: [] }], "", { standIn: gh, scope: "my-org" });
    const parts: ScaleSetParts = {
      adminFor: (_pool, credential, _api) => {
        if (credential.kind !== "token" || credential.token !== CANARY_TOKEN) throw new Error("admin built without the stored credential");
        return admin;
      },
      listen: async (_ctx, deadline) => {
        listened.push(deadline);
        return { polled: true };
      },
      register: async () => {
        throw new ScaleSetError("bad-request", 422, "scale set name taken");
      },
    };
    const bytes = (s: string) => Buffer.from(s.repeat(100));
    gh.release = {
      tag: "v2.336.0",
      publishedAt: "2026-07-20T10:00:00Z",
      assets: ["linux-x64", "linux-arm64"].map((p) => ({ name: `actions-runner-${p}-2.336.0.tar.gz`, bytes: bytes(p) })),
    };
    const config = { ...fleet.config, endpoints: { aws: moto.controlPlane.endpoint, github: gh.baseUrl } };
    services = createServices(config, parts, createLogger((l) => lines.push(l)), { aws: { credentials: moto.controlPlane.credentials }, metricsLine: (l) => lines.push(l) });
  }, 60_000);
  afterAll(async () => {
    await gh.stop();
    await moto?.stop();
    expect(gh.violations).toEqual([]);
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
    expect(lines.join("\n")).not.toContain(CANARY_TOKEN);
  });

  it("serves a host's JIT request through the function URL door and counts it", async () => {
    const res = (await route(urlEvent({ userArn: sessionArn("alpha-host", fleet.instances.alpha![0]!), body: { v: 1, action: "jit", pool: "alpha", slot: 1 } }), ctx, services)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as JitAnswer;
    expect(gh.runners.get("my-org")!.map((r) => r.name)).toEqual([body.runnerName]);
    expect(lines.some((l) => l.includes('"JitIssued":1'))).toBe(true);
    expect(lines.join("\n")).not.toContain(body.encodedJitConfig);
  });

  it("runs listener, reaper and the mirror on a schedule", async () => {
    const out = (await route({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }, ctx, services)) as Record<string, { status?: string } | unknown[]>;
    expect(out.listener).toEqual({ polled: true });
    expect(listened).toHaveLength(1);
    expect(out.reaper).toEqual([{ pool: "alpha", removedRunners: [], replacedHosts: [], kept: [] }]);
    expect(out.mirror).toEqual({ status: "mirrored", version: "2.336.0" });
    const objects = await bucketSnapshot(fleet.admin);
    const manifest = JSON.parse(objects["runner/manifest.json"]!);
    expect(manifest.current.assets["linux-x64"].sha256).toBe(createHash("sha256").update(gh.release!.assets[0]!.bytes).digest("hex"));
    // Within the day the schedule does not mirror again; a deploy does.
    const again = (await route({ "detail-type": "Scheduled Event", source: "aws.events" }, ctx, services)) as Record<string, { status: string }>;
    expect(again.mirror!.status).toBe("not-due");
    expect(await route({ action: "mirror" }, ctx, services)).toEqual({ status: "up-to-date", version: "2.336.0" });
  });

  it("fails a deploy-time mirror only when no release is mirrored at all, and a refused registration", async () => {
    await expect(route({ action: "register", tf: { action: "create", prev_input: null } }, ctx, services)).rejects.toThrow(/scale set name taken/);
    gh.release = { tag: "v2.337.0", publishedAt: "2026-12-01T10:00:00Z", assets: [{ name: "actions-runner-linux-x64-2.337.0.tar.gz", bytes: randomBytes(10) }] };
    // A manifest exists: reported, not thrown.
    expect(await route({ action: "mirror" }, ctx, services)).toMatchObject({ status: "failed", current: "2.336.0" });
  });
});
