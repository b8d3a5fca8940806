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
 * One fleet, pools in two scopes (an organisation and another organisation's repository), through
 * the deployed wiring (createServices + the real scale-set parts) against the stand-in that keeps
 * scopes apart: each pool's set is registered in its own scope, and one listener run raises each
 * pool's group for the jobs of its own scope only, though both sets carry the same label.
 */

const PAT = "ghp_listenerscopesscopesscopes0123";
const run = hasMoto();

describe.runIf(run)("the listener across scopes", () => {
  let moto: ControlPlaneMoto;
  let standin: ScaleSetStandin;
  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    standin = await startScaleSetStandin({ scopes: ["acme", "globex/api"], githubTokens: [PAT], pollMs: 100 });
  }, 30_000);
  afterAll(async () => {
    await standin?.close();
    await moto?.stop();
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
  });

  it("registers each pool in its scope and raises each group for its own scope's jobs", async () => {
    const a = pool("org-pool", { githubUrl: standin.orgUrl("acme"), labels: ["gpu"], runnersPerHost: 2 });
    const b = pool("repo-pool", { githubUrl: standin.configUrl("globex/api"), labels: ["gpu"], runnersPerHost: 2 });
    const fleet = await setUpFleet(moto, [a, b], { "org-pool": 0, "repo-pool": 0 }, JSON.stringify({ kind: "token", token: PAT }));
    const config = { ...fleet.config, githubApiUrl: `${standin.url}/api/v3` };
    const services = createServices(config, scaleSetParts, createLogger(() => {}), { aws: { credentials: moto.controlPlane.credentials } });
    expect(await services.register({ ...registrationInput(config.pools), tf: { action: "create", prev_input: null } })).toMatchObject({ created: ["org-pool", "repo-pool"] });
    expect(standin.scaleSets("acme").map((x) => x.name)).toEqual([a.scaleSetName]);
    expect(standin.scaleSets("globex/api").map((x) => x.name)).toEqual([b.scaleSetName]);
    // Registration tokens were asked for each scope by its own route.
    const routes = new Set(standin.requests.filter((r) => r.path.endsWith("/registration-token")).map((r) => r.path));
    expect(routes).toEqual(new Set(["/api/v3/orgs/acme/actions/runners/registration-token", "/api/v3/repos/globex/api/actions/runners/registration-token"]));

    for (let i = 0; i < 5; i++) standin.submitJob({ runsOn: "gpu", repository: "acme/web" });
    standin.submitJob({ runsOn: "gpu", repository: "globex/api" });
    await services.listen(Date.now() + 2000);
    const desired = async (asg: string) => (await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asg] }))).AutoScalingGroups![0]!.DesiredCapacity;
    expect(await desired(a.asgName)).toBe(3);
    expect(await desired(b.asgName)).toBe(1);
  }, 60_000);
});
