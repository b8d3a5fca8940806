import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitAnswer } from "../../protocol/broker";
import { createLogger } from "../../control-plane/aws/log";
import { registrationInput } from "../../control-plane/registration/handler";
import { route } from "../../control-plane/router";
import { scaleSetParts } from "../../control-plane/runtime/scale-set-parts";
import { createServices } from "../../control-plane/runtime/services";
import { controlPlanePool } from "../../components/control-plane/control-plane-config";
import { parseStackConfig } from "../../config/load";
import { asgNamePrefix, hostPoolModel } from "../../config/host-model";
import { readStackFile } from "../../tools/stack-file";
import { REPO } from "../helpers/env";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto, MOTO_ACCOUNT } from "../helpers/moto";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { CANARY_TOKEN, sessionArn, setUpFleet, urlEvent, type MotoFleet } from "./fleet";

/**
 * A job written as the README says reaches prod's graviton-builders pool end to end, every step the
 * real code: the pool as the program derives it from Pulumi.prod.yaml, registration at deploy, the
 * job submitted by runs-on to the stand-in (which routes as GitHub does), the listener's scale-up in
 * moto, the broker issuing a runner for a host of the pool, and the job acquired for that set.
 */
describe.runIf(hasMoto())("routing end to end: runs-on → registered set → scale-up → runner → job", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  let fleet: MotoFleet;
  let services: ReturnType<typeof createServices>;
  const ctx = { getRemainingTimeInMillis: () => 23_000 };

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    standin = await startScaleSetStandin({ scopes: ["acme-platform"], githubTokens: [CANARY_TOKEN], pollMs: 100, runnerGroups: [{ id: 1, name: "Default", isDefaultGroup: true }, { id: 2, name: "kernel", isDefaultGroup: false }] });
    const file = readStackFile(REPO, "prod");
    const cfg = parseStackConfig({ project: "runner-fleet", stack: "prod", all: () => file.config, isSecret: (k) => file.secretKeys.includes(k) });
    const graviton = cfg.hostPools.find((p) => p.name === "graviton-builders")!;
    const model = hostPoolModel(cfg, graviton, "runner-fleet", "prod");
    const pool = { ...controlPlanePool(model, `arn:aws:iam::${MOTO_ACCOUNT}:role/graviton-host`), githubUrl: standin.orgUrl("acme-platform"), minHosts: 0 };
    fleet = await setUpFleet(moto, [pool], { [pool.name]: 0 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }), { groupPrefix: asgNamePrefix("runner-fleet", "prod") });
    services = createServices({ ...fleet.config, endpoints: { aws: moto.controlPlane.endpoint, github: `${standin.url}/api/v3` } }, scaleSetParts, createLogger(() => {}), { aws: { credentials: moto.controlPlane.credentials } });
  }, 60_000);
  afterAll(async () => {
    await standin?.close();
    await moto?.stop();
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
  });

  it("registers the pool's name, labels and the self-hosted labels, as the outputs list them", async () => {
    const p = fleet.config.pools[0]!;
    expect(p.labels).toEqual(["graviton-builders", "kernel", "self-hosted", "linux", "ARM64"]);
    expect(await route({ ...registrationInput(fleet.config.pools), tf: { action: "create", prev_input: null } }, ctx, services)).toMatchObject({ created: ["graviton-builders"] });
    expect(standin.scaleSets().map((s) => [s.name, s.runnerGroupName, s.labels.map((l) => l.name)])).toEqual([["graviton-builders", "kernel", p.labels]]);
  }, 60_000);

  it.each([["graviton-builders"], [["self-hosted", "linux", "ARM64"]], [["kernel", "arm64"]]])("runs-on %j: queued on the set, scaled up, a runner registered, the job acquired", async (runsOn) => {
    const p = fleet.config.pools[0]!;
    const set = standin.scaleSets()[0]!;
    const job = standin.submitJob({ runsOn, repository: "acme-platform/kernel" });
    expect(job.scaleSetId).toBe(set.id);
    expect(job.state).toBe("available");
    // The scheduled listener acquires it and raises the pool's group.
    await route({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }, ctx, services);
    expect(job.state).toBe("acquired");
    const g = await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [p.asgName] }));
    expect(g.AutoScalingGroups![0]!.DesiredCapacity).toBeGreaterThanOrEqual(1);
    // A host of the pool asks the broker for its slot's runner: registered on the same set.
    const instance = g.AutoScalingGroups![0]!.Instances!.find((i) => !standin.runners().some((r) => r.name.includes(i.InstanceId!)))!.InstanceId!;
    const res = (await route(urlEvent({ userArn: sessionArn("graviton-host", instance), body: { v: 1, action: "jit", pool: p.name, slot: 1 } }), ctx, services)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    const jit = JSON.parse(res.body) as JitAnswer;
    expect(jit.scaleSetId).toBe(set.id);
    // The runner takes the job the set acquired.
    standin.startJob(job.requestId, jit.runnerName);
    expect(standin.jobs(set.id).find((j) => j.requestId === job.requestId)?.state).toBe("running");
    standin.completeJob(job.requestId);
  }, 60_000);

  it("a job for labels nobody registered stays queued, offered to no set (the pool's labels alone were all that was registered before)", async () => {
    const set = standin.scaleSets()[0]!;
    const before = standin.statistics(set.id);
    // From a repository the set's scope serves, so only the labels keep them queued.
    const x64 = standin.submitJob({ runsOn: ["self-hosted", "linux", "X64"], repository: "acme-platform/kernel" });
    const typo = standin.submitJob({ runsOn: "graviton-builder", repository: "acme-platform/kernel" });
    await route({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }, ctx, services);
    for (const j of [x64, typo]) expect(j).toMatchObject({ state: "queued", scaleSetId: undefined });
    expect(standin.statistics(set.id).totalAvailableJobs + standin.statistics(set.id).totalAssignedJobs).toBe(before.totalAvailableJobs + before.totalAssignedJobs);
  }, 60_000);
});
