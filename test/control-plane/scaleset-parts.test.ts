import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../control-plane/aws/log";
import { scaleSetParts } from "../../control-plane/runtime/scale-set-parts";
import { createServices } from "../../control-plane/runtime/services";
import { registrationInput } from "../../control-plane/registration/handler";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { pool, setUpFleet } from "./fleet";

/**
 * The Lambda's wiring end to end: the credential read from (moto's) Secrets Manager, registration
 * at deploy, then a scheduled listener run raising the group, through createServices and the real
 * scale-set parts; no token in any log line.
 */

const PAT = "ghp_partspartspartsparts0123456789";
const run = hasMoto();

describe.runIf(run)("scale-set parts in the Lambda services", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT], pollMs: 100 });
  }, 30_000);
  afterAll(async () => {
    await standin?.close();
    await moto?.stop();
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
  });

  it("registers, then listens and raises the group, logging no token", async () => {
    const p = pool("wired", { githubUrl: standin.orgUrl("acme"), runnersPerHost: 2 });
    const fleet = await setUpFleet(moto, [p], { wired: 0 }, JSON.stringify({ kind: "token", token: PAT }));
    const config = { ...fleet.config, githubApiUrl: `${standin.url}/api/v3` };
    const lines: string[] = [];
    const services = createServices(config, scaleSetParts, createLogger((l) => lines.push(l)), { aws: { credentials: moto.controlPlane.credentials } });
    const reg = await services.register({ ...registrationInput(config.pools), tf: { action: "create", prev_input: null } });
    expect(reg).toMatchObject({ created: ["wired"] });
    const set = standin.scaleSets().find((x) => x.name === p.scaleSetName)!;
    for (let i = 0; i < 3; i++) standin.submitJob({ runsOn: p.scaleSetName });
    expect(standin.jobs(set.id)).toHaveLength(3);
    await services.listen(Date.now() + 1500);
    const g = await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [p.asgName] }));
    expect(g.AutoScalingGroups![0]!.DesiredCapacity).toBe(2);
    expect(lines.join("\n")).not.toContain(PAT);
    expect(lines.some((l) => l.includes("raised desired capacity"))).toBe(true);
  }, 60_000);
});
