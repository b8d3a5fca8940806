import { DescribeAutoScalingGroupsCommand, TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitAnswer } from "../../protocol/broker";
import { createLogger } from "../../control-plane/aws/log";
import { handleBroker, type BrokerDeps } from "../../control-plane/broker/handler";
import { RecordStore } from "../../control-plane/broker/records";
import { scaleSetsByName } from "../../control-plane/broker/scale-sets";
import { CredentialSource } from "../../control-plane/github/credential";
import { createGitHubRest } from "../../control-plane/github/rest";
import { reap, type ReaperDeps } from "../../control-plane/reaper/reaper";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto } from "../helpers/moto";
import { GitHubOpenApi } from "../standins/openapi";
import { GitHubStandIn } from "../standins/github-rest";
import { AdminDouble } from "./admin-double";
import { bucketSnapshot, CANARY_TOKEN, pool, sessionArn, setUpFleet, urlEvent, type MotoFleet } from "./fleet";

describe.runIf(hasMoto())("reaper against moto and the GitHub stand-in", () => {
  let moto: ControlPlaneMoto;
  let fleet: MotoFleet;
  const gh = new GitHubStandIn(new GitHubOpenApi(), { token: CANARY_TOKEN });
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l));
  const alphaPool = pool("alpha", { runnersPerHost: 2, registrationDeadlineSeconds: 300 });
  let admin: AdminDouble;
  let broker: BrokerDeps;
  let deps: ReaperDeps;
  let githubUrl = "";
  let now = Date.now();

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    await gh.start();
    githubUrl = gh.baseUrl;
    fleet = await setUpFleet(moto, [alphaPool], { alpha: 3 }, JSON.stringify({ kind: "token", token: CANARY_TOKEN }));
    admin = new AdminDouble([{ id: 7, name: "alpha-set", runnerGroupId: 1, labels: [] }], CANARY_TOKEN, { standIn: gh, scope: "my-org" });
    const records = new RecordStore(fleet.clients.s3, fleet.config.bucket);
    const credential = new CredentialSource(fleet.clients.secrets, fleet.secretArn);
    const scaleSets = scaleSetsByName(() => admin);
    broker = { config: fleet.config, autoscaling: fleet.clients.autoscaling, records, scaleSets, log };
    deps = {
      config: fleet.config,
      autoscaling: fleet.clients.autoscaling,
      records,
      scaleSets,
      credential: () => credential.get(),
      github: async () => createGitHubRest(await credential.get(), { baseUrl: githubUrl, log, retryAfterUnitMs: 5, maxRetries: 1 }),
      log,
      now: () => now,
    };
  }, 60_000);
  afterAll(async () => {
    await gh.stop();
    await moto?.stop();
    expect(gh.violations).toEqual([]);
    expect(lines.join("\n")).not.toContain(CANARY_TOKEN);
    // Every AWS call the control plane made was allowed by its rendered policy.
    expect(moto.proxy.refused).toEqual([]);
  });

  const ids = () => fleet.instances.alpha!;
  const members = async () =>
    ((await fleet.admin.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["asg-alpha"] }))).AutoScalingGroups![0]!.Instances ?? []).map((i) => i.InstanceId!);
  const issue = async (i: number, slot: number) =>
    JSON.parse((await handleBroker(urlEvent({ userArn: sessionArn("alpha-host", ids()[i]!), body: { v: 1, action: "jit", pool: "alpha", slot } }), broker)).body) as JitAnswer;
  const orgRunners = () => (gh.runners.get("my-org") ?? []).map((r) => r.name).sort();

  it("removes runners of gone instances (recorded or only named ours), keeps busy and foreign ones, and waits out the deadline", async () => {
    const a = await issue(0, 1);
    const b1 = await issue(1, 1);
    const b2 = await issue(1, 2);
    gh.addRunner("my-org", "laptop-of-someone");
    gh.addRunner("my-org", "alpha-set-i-0aaaaaaaaaaaaaaaa-1-3");
    gh.addRunner("my-org", "alpha-set-i-0bbbbbbbbbbbbbbbb-2-1", { busy: true, status: "online" });
    // Instance 1 is lost (spot): out of the group.
    await fleet.admin.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: ids()[1]!, ShouldDecrementDesiredCapacity: true }));

    const [r] = await reap(deps);
    expect(r!.removedRunners.map((x) => x.name).sort()).toEqual([b1.runnerName, b2.runnerName, "alpha-set-i-0aaaaaaaaaaaaaaaa-1-3"].sort());
    expect(r!.replacedHosts).toEqual([]);
    expect(r!.kept).toEqual([{ what: "alpha-set-i-0bbbbbbbbbbbbbbbb-2-1", why: "busy on GitHub" }]);
    expect(orgRunners()).toEqual([a.runnerName, "alpha-set-i-0bbbbbbbbbbbbbbbb-2-1", "laptop-of-someone"].sort());
    const keys = Object.keys(await bucketSnapshot(fleet.admin));
    expect(keys.some((k) => k.includes(ids()[1]!))).toBe(false);
    expect(keys).toContain(`hosts/alpha/${ids()[2]}/in-service.json`);

    // Instance 2 never asked: within the deadline it stays, past it the group replaces it.
    now += 299_000;
    expect((await reap(deps))[0]!.replacedHosts).toEqual([]);
    const before = await members();
    now += 2_000;
    const [late] = await reap(deps);
    expect(late!.replacedHosts).toEqual([{ instanceId: ids()[2]!, reason: "no-registration" }]);
    const after = await members();
    expect(after).not.toContain(ids()[2]);
    expect(after).toContain(ids()[0]);
    // Not decremented: the group launched a replacement.
    expect(after.length).toBe(before.length);
    expect(lines.some((l) => JSON.parse(l).msg === "replaced a host")).toBe(true);
  });

  it("replaces a host that reported install-failed, never while one of its runners is busy or GitHub cannot tell", async () => {
    const host = ids()[0]!;
    await handleBroker(urlEvent({ userArn: sessionArn("alpha-host", host), body: { v: 1, action: "report", pool: "alpha", event: "install-failed", detail: "apt failed" } }), broker);
    const mine = gh.runners.get("my-org")!.find((r) => r.name.includes(host))!;
    mine.busy = true;
    let [r] = await reap(deps);
    expect(r!.replacedHosts).toEqual([]);
    expect(r!.kept).toContainEqual({ what: host, why: "install-failed, but a runner is busy" });

    mine.busy = false;
    githubUrl = "http://127.0.0.1:9";
    [r] = await reap(deps);
    expect(r!.replacedHosts).toEqual([]);
    expect(r!.kept).toContainEqual({ what: host, why: "GitHub could not say whether its runners are busy" });

    githubUrl = gh.baseUrl;
    [r] = await reap(deps);
    expect(r!.replacedHosts).toEqual([{ instanceId: host, reason: "install-failed" }]);
    expect(await members()).not.toContain(host);
    expect(orgRunners().some((n) => n.includes(host))).toBe(false);
  });

  it("leaves everything alone when the group is missing", async () => {
    const before = await bucketSnapshot(fleet.admin);
    const [r] = await reap({ ...deps, config: { ...deps.config, pools: [{ ...alphaPool, asgName: "asg-gone" }] } });
    expect(r).toEqual({ pool: "alpha", removedRunners: [], replacedHosts: [], kept: [{ what: "asg-gone", why: "group not found" }] });
    expect(await bucketSnapshot(fleet.admin)).toEqual(before);
  });
});
