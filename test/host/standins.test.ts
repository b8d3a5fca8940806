import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker, BrokerRefusal } from "../../host/agent/broker";
import { Imds as ImdsClient } from "../../host/agent/imds";
import { hasCommand } from "../helpers/env";
import { startFunctionUrl, type FunctionUrl, type FunctionUrlEvent, type Principal } from "../standins/function-url";
import { imdsState, startImds, type Imds } from "../standins/imds";
import { standinIam, type StandinIam } from "../helpers/standin-iam";
import { authorize } from "../helpers/iam";
import { startAsg } from "../standins/asg";
import { AutoScalingClient, CompleteLifecycleActionCommand, TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";

let imds: Imds;
let fu: FunctionUrl;
let iam: StandinIam;
const seen: FunctionUrlEvent[] = [];
const principal = (): Principal => ({ ...imds.state.creds, accountId: imds.state.accountId, role: imds.state.role, session: imds.state.instanceId });

beforeAll(async () => {
  imds = await startImds(imdsState({ region: "eu-west-1", instanceId: "i-0123456789abcdef0" }));
  iam = await standinIam({ account: imds.state.accountId, region: "eu-west-1", role: imds.state.role, asgName: "rf-pool-a", bucket: "rf-mirror" });
  fu = await startFunctionUrl({
    region: "eu-west-1",
    iam,
    handler: async (e) => {
      seen.push(e);
      return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ v: 1, accepted: true }) };
    },
  });
  fu.principals.push(principal());
});
afterAll(async () => {
  await fu?.close();
  await imds?.close();
});

const token = async (headers: Record<string, string> = { "x-aws-ec2-metadata-token-ttl-seconds": "60" }) => fetch(`${imds.url}/latest/api/token`, { method: "PUT", headers });

describe("the IMDS stand-in is IMDSv2 with httpTokens required", () => {
  it("wants a TTL for a token, refuses proxies, and 401s every GET without a live token", async () => {
    expect((await token({})).status).toBe(400);
    expect((await token({ "x-aws-ec2-metadata-token-ttl-seconds": "21601" })).status).toBe(400);
    expect((await token({ "x-aws-ec2-metadata-token-ttl-seconds": "60", "x-forwarded-for": "10.0.0.1" })).status).toBe(403);
    expect((await fetch(`${imds.url}/latest/meta-data/instance-id`)).status).toBe(401);
    expect((await fetch(`${imds.url}/latest/meta-data/instance-id`, { headers: { "x-aws-ec2-metadata-token": "forged" } })).status).toBe(401);
    const t = await (await token()).text();
    const r = await fetch(`${imds.url}/latest/meta-data/instance-id`, { headers: { "x-aws-ec2-metadata-token": t } });
    expect([r.status, await r.text()]).toEqual([200, "i-0123456789abcdef0"]);
  });

  it("answers 404 for a spot notice until the test gives one, and follows lifecycle moves", async () => {
    const c = new ImdsClient(imds.url);
    expect(await c.get("meta-data/spot/instance-action")).toBeUndefined();
    imds.state.spotAction = { action: "terminate", time: "2026-11-23T09:00:00Z" };
    expect(JSON.parse((await c.get("meta-data/spot/instance-action"))!)).toEqual({ action: "terminate", time: "2026-11-23T09:00:00Z" });
    delete imds.state.spotAction;
    imds.state.lifecycle = "Warmed:Running";
    expect(await c.get("meta-data/autoscaling/target-lifecycle-state")).toBe("Warmed:Running");
    imds.state.lifecycle = "InService";
  });

  it("hands the SDK's IMDS provider the role's credentials", async () => {
    const creds = await new ImdsClient(imds.url).credentials();
    expect(creds).toMatchObject(imds.state.creds);
    expect(creds.expiration!.getTime()).toBeGreaterThan(Date.now());
  });
});

describe("the function URL stand-in verifies SigV4 as AWS_IAM auth does", () => {
  const post = (headers: Record<string, string>, body = "{}") => fetch(fu.url, { method: "POST", headers, body });

  it("passes the agent's SDK-signed call to the handler as a payload-2.0 event naming the instance's role session", async () => {
    const broker = new Broker(fu.url, "eu-west-1", "pool-a", new ImdsClient(imds.url));
    await broker.report("install-done", "ok");
    const e = seen.at(-1)!;
    expect(e.version).toBe("2.0");
    expect(e.requestContext.http.method).toBe("POST");
    expect(e.requestContext.authorizer.iam.userArn).toBe(`arn:aws:sts::123456789012:assumed-role/rf-host-role/i-0123456789abcdef0`);
    expect(e.requestContext.authorizer.iam.accessKey).toBe(imds.state.creds.accessKeyId);
    expect(JSON.parse(e.body!)).toEqual({ v: 1, action: "report", pool: "pool-a", event: "install-done", detail: "ok" });
    expect(e.isBase64Encoded).toBe(false);
  });

  it("refuses unsigned, tampered, wrong-service, wrong-region, unknown-key and token-less calls with 403 Forbidden", async () => {
    const before = seen.length;
    expect((await post({ "content-type": "application/json" })).status).toBe(403);
    const broker = (region: string, url = fu.url) => new Broker(url, region, "pool-a", new ImdsClient(imds.url));
    await expect(broker("us-east-1").report("install-done")).rejects.toThrow(BrokerRefusal);
    expect(fu.refused.at(-1)).toMatch(/region us-east-1/);
    // A signature over one body with another body sent.
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Sha256 } = await import("@aws-crypto/sha256-js");
    const { HttpRequest } = await import("@smithy/protocol-http");
    const u = new URL(fu.url);
    const sign = async (service: string, body: string, creds = imds.state.creds, date?: Date) =>
      (
        await new SignatureV4({ service, region: "eu-west-1", credentials: creds, sha256: Sha256 }).sign(
          new HttpRequest({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/", headers: { host: u.host, "content-type": "application/json" }, body }),
          date ? { signingDate: date } : {},
        )
      ).headers;
    expect((await post(await sign("lambda", '{"a":1}'), '{"a":2}')).status).toBe(403);
    expect(fu.refused.at(-1)).toMatch(/SignatureDoesNotMatch|x-amz-content-sha256 does not match/);
    // The same tampering without the body-hash header: only the signature can catch it.
    const { "x-amz-content-sha256": _h, ...bare } = await sign("lambda", '{"a":1}');
    expect((await post(bare, '{"a":2}')).status).toBe(403);
    expect(fu.refused.at(-1)).toMatch(/SignatureDoesNotMatch|signed header x-amz-content-sha256 missing/);
    expect((await post(await sign("execute-api", "{}"))).status).toBe(403);
    expect(fu.refused.at(-1)).toMatch(/service execute-api/);
    expect((await post(await sign("lambda", "{}", { ...imds.state.creds, accessKeyId: "ASIAUNKNOWN00000" }))).status).toBe(403);
    const { "x-amz-security-token": _t, ...noToken } = await sign("lambda", "{}");
    expect((await post(noToken)).status).toBe(403);
    expect(fu.refused.at(-1)).toMatch(/security token/);
    expect((await post(await sign("lambda", "{}", imds.state.creds, new Date(Date.now() - 6 * 60_000)))).status).toBe(403);
    expect(fu.refused.at(-1)).toMatch(/Signature expired/);
    // Within the 5 minutes AWS allows, a skewed clock still passes.
    expect((await post(await sign("lambda", "{}", imds.state.creds, new Date(Date.now() - 4 * 60_000)))).status).toBe(200);
    expect(seen.length).toBe(before + 1);
  });

  it("accepts curl's SigV4 signer too (the install script's), so the verifier is not just the SDK's mirror", async () => {
    if (!hasCommand("curl", "curl")) return;
    const c = imds.state.creds;
    const cfg = `user = "${c.accessKeyId}:${c.secretAccessKey}"\nheader = "x-amz-security-token: ${c.sessionToken}"\n`;
    // Async: the server answering curl lives on this very event loop.
    const run = (region: string) =>
      new Promise<string>((resolve) => {
        const p = spawn("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", `aws:amz:${region}:lambda`, "-K", "-", "-H", "content-type: application/json", "--data-binary", '{"v":1}', fu.url]);
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.once("close", () => resolve(out));
        p.stdin.end(cfg);
      });
    expect(await run("eu-west-1")).toBe("200");
    expect(await run("eu-west-2")).toBe("403");
  });

  it("maps handler results as Lambda does: a bare object is 200 JSON, a thrown error is 502", async () => {
    const f = await startFunctionUrl({ region: "eu-west-1", iam, principals: [principal()], handler: async (e) => (JSON.parse(e.body!).boom ? Promise.reject(new Error("x")) : { v: 1, removed: [3] }) });
    try {
      const b = new Broker(f.url, "eu-west-1", "p", new ImdsClient(imds.url));
      expect(await b.deregister()).toEqual([3]);
      await expect(b.call({ boom: 1 } as never)).rejects.toMatchObject({ code: "upstream", retryable: true });
    } finally {
      await f.close();
    }
  });
});

/** The same rendered host policy with named statements removed. */
function without(hostSids: string[]): StandinIam {
  const hostPolicies = iam.hostPolicies.map((d) => ({ ...d, Statement: d.Statement.filter((s) => !hostSids.includes(s.Sid ?? "")) }));
  return { ...iam, hostPolicies, authorize: (req, resource) => authorize(req, { identity: hostPolicies, ...(resource ? { resource } : {}) }) };
}

describe("the function URL stand-in authorises with the rendered host policy (the broker has no function policy)", () => {
  const call = async (i: StandinIam, p: Principal = principal()) => {
    const got: FunctionUrlEvent[] = [];
    const f = await startFunctionUrl({ region: "eu-west-1", iam: i, principals: [p], handler: async (e) => (got.push(e), { v: 1, accepted: true }) });
    try {
      const status = (await new Broker(f.url, "eu-west-1", "pool-a", new ImdsClient(imds.url)).report("install-done").then(() => 200, (e: unknown) => (e instanceof BrokerRefusal ? 403 : 500)));
      return { status, reached: got.length, refused: f.refused };
    } finally {
      await f.close();
    }
  };

  it("admits the host role's session, which the render's role policy grants", async () => {
    expect(iam.brokerPolicy).toBeUndefined();
    expect(await call(iam)).toEqual({ status: 200, reached: 1, refused: [] });
  });

  it("refuses a validly signed session of a role the render does not grant", async () => {
    const r = await call(iam, { ...principal(), role: "some-other-role" });
    expect([r.status, r.reached]).toEqual([403, 0]);
    expect(r.refused[0]).toMatch(/some-other-role\/i-0123456789abcdef0 is not authorized to perform lambda:InvokeFunctionUrl/);
  });

  it("refuses when the role policy does not grant the invoke through the URL (Lambda checks InvokeFunction too), or the URL call", async () => {
    const r = await call(without(["AskBrokerViaUrl"]));
    expect([r.status, r.reached]).toEqual([403, 0]);
    expect(r.refused[0]).toMatch(/not authorized to perform lambda:InvokeFunction on /);
    expect((await call(without(["AskBroker"]))).refused[0]).toMatch(/lambda:InvokeFunctionUrl/);
  });
});

describe("the Auto Scaling stand-in authorises with the rendered host and control-plane policies and requires AWS's fields", () => {
  it("lets the host complete the launch hook of its own group only and never terminate; the control plane terminates", async () => {
    const session = () => `arn:aws:sts::${imds.state.accountId}:assumed-role/${imds.state.role}/${imds.state.instanceId}`;
    const controlPlane = { accessKeyId: "AKIACONTROLPLANE0001", secretAccessKey: "control-plane-secret" };
    const asg = await startAsg({ region: "eu-west-1", host: () => imds.state.creds, controlPlane, iam, hostSession: session });
    try {
      const me = imds.state.instanceId;
      asg.groups.push({ name: "rf-pool-a", min: 0, desired: 2, instances: [me], pendingHook: new Set([me]), hookName: "rf-pool-a-launch" });
      asg.groups.push({ name: "rf-pool-b", min: 0, desired: 1, instances: ["i-0fedcba9876543210"], pendingHook: new Set(["i-0fedcba9876543210"]) });
      const client = new AutoScalingClient({ region: "eu-west-1", endpoint: asg.url, credentials: imds.state.creds, maxAttempts: 1 });
      const code = (p: Promise<unknown>) => p.then(() => "ok", (e: { name?: string; message?: string }) => `${e.name}: ${e.message}`);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-a", InstanceId: me } as never)))).toMatch(/^ValidationError: .*lifecycleHookName/);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-a", LifecycleHookName: "rf-pool-a-launch", InstanceId: me } as never)))).toMatch(/^ValidationError: .*lifecycleActionResult/);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-a", LifecycleHookName: "rf-pool-a-launch", InstanceId: me, LifecycleActionResult: "MAYBE" })))).toMatch(/^ValidationError: .*CONTINUE or ABANDON/);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-a", LifecycleHookName: "another-hook", InstanceId: me, LifecycleActionResult: "CONTINUE" })))).toMatch(/^ValidationError: No active Lifecycle Action/);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-b", LifecycleHookName: "rf-pool-b-launch", InstanceId: "i-0fedcba9876543210", LifecycleActionResult: "CONTINUE" })))).toMatch(/^AccessDenied: .*autoscaling:CompleteLifecycleAction on resource: .*autoScalingGroupName\/rf-pool-b/);
      expect(await code(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: "rf-pool-a", LifecycleHookName: "rf-pool-a-launch", InstanceId: me, LifecycleActionResult: "CONTINUE" })))).toBe("ok");
      expect(await code(client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: "i-0fedcba9876543210", ShouldDecrementDesiredCapacity: true })))).toMatch(/^AccessDenied: .*TerminateInstanceInAutoScalingGroup/);
      expect(asg.groups[1]!.instances).toEqual(["i-0fedcba9876543210"]);
      // Issue 22: the rendered host policy grants no terminate, not even of its own instance.
      expect(await code(client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: me, ShouldDecrementDesiredCapacity: true })))).toMatch(/^AccessDenied: .*TerminateInstanceInAutoScalingGroup/);
      const cp = new AutoScalingClient({ region: "eu-west-1", endpoint: asg.url, credentials: controlPlane, maxAttempts: 1 });
      expect(await code(cp.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: me, ShouldDecrementDesiredCapacity: true })))).toBe("ok");
      expect(asg.groups[0]!.desired).toBe(1);
      // The control plane's rendered policy names the pools' groups only.
      expect(await code(cp.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: "i-0fedcba9876543210", ShouldDecrementDesiredCapacity: false })))).toMatch(/^AccessDenied/);
    } finally {
      await asg.close();
    }
  });
});
