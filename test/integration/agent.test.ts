import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeAws, FakeGithub, FakeImds } from "./fakes";
import { enqueueJobs, IS_ROOT, jobRecords, makeHost, runAgent, waitFor, type Host, type RunningAgent } from "./harness";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:runner-fleet-prod-github-AbCdEf";
const LABELS = ["self-hosted", "linux", "ARM64", "kernel"];

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

interface World {
  host: Host;
  github: FakeGithub;
  aws: FakeAws;
  imds: FakeImds;
  agent?: RunningAgent;
}
const worlds: World[] = [];

async function world(auth: "app" | "token"): Promise<World> {
  const token = "ghp_statictokenfortests000000000000000";
  const credential =
    auth === "app" ? { kind: "app", appId: "4242", installationId: "77", privateKey } : { kind: "token", token };
  const github = new FakeGithub(
    "/orgs/acme",
    auth === "app" ? { appId: "4242", installationId: "77", publicKey } : undefined,
    auth === "token" ? token : undefined,
    [
      { id: 1, name: "Default" },
      { id: 7, name: "kernel" },
    ],
  );
  const w: World = { host: makeHost(), github, aws: new FakeAws(SECRET_ARN, JSON.stringify(credential)), imds: new FakeImds("i-0123456789abcdef0") };
  await Promise.all([w.github.server.start(), w.aws.server.start(), w.imds.server.start()]);
  worlds.push(w);
  return w;
}

function config(w: World, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    githubUrl: "https://github.com/acme",
    apiUrl: w.github.server.url,
    labels: LABELS,
    runnerGroup: "kernel",
    slots: 2,
    ephemeral: true,
    idleTimeoutSeconds: 0,
    workRoot: w.host.workRoot,
    slotsRoot: w.host.slotsRoot,
    runnerDir: w.host.runnerDir,
    runnerUser: IS_ROOT ? "nobody" : null,
    workMaxAgeHours: 1,
    secretArn: SECRET_ARN,
    region: "eu-west-1",
    poolName: "graviton",
    asgName: "runner-fleet-prod-graviton",
    endpoints: { imds: w.imds.server.url, secretsManager: w.aws.server.url, autoscaling: w.aws.server.url },
    tickSeconds: 0.2,
    retry: { attempts: 5, timeoutMs: 500, baseDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  };
}

/** Every secret the run handed out must be absent from every log line. */
function assertNoSecretsLogged(w: World, lines: string[]): void {
  const text = lines.join("\n");
  const secrets = [...w.github.issuedTokens, ...w.github.jitConfigs, ...w.github.registrationTokens, "ghp_statictokenfortests", "BEGIN RSA PRIVATE KEY", "fakeSecretAccessKey", "fakeSessionToken", w.imds.token];
  for (const s of secrets) expect(text, `a log line contains ${s.slice(0, 12)}…`).not.toContain(s);
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    if (w.agent && w.agent.proc.exitCode === null) {
      w.agent.proc.kill("SIGKILL");
      await w.agent.exit;
    }
    await Promise.all([w.github.server.stop(), w.aws.server.stop(), w.imds.server.stop()]);
  }
});

describe("host agent against fake GitHub and AWS APIs", () => {
  it("registers N labelled JIT runners, runs each job in a fresh work dir, re-registers, sweeps old work, leaves when idle", async () => {
    const w = await world("app");
    // Faults on the way in: the agent must get through all of them.
    w.aws.server.inject("POST /", { status: 503 });
    w.github.server.inject("POST /app/installations/77/access_tokens", { status: 500 });
    w.github.server.inject("GET /orgs/acme/actions/runner-groups", "hang");
    w.github.server.inject("POST /orgs/acme/actions/runners/generate-jitconfig", { status: 429, headers: { "retry-after": "1" } }, { status: 502 });
    mkdirSync(w.host.workRoot, { recursive: true });
    const stale = join(w.host.workRoot, "slot-9-old");
    const fresh = join(w.host.workRoot, "slot-9-recent");
    mkdirSync(stale);
    mkdirSync(fresh);
    const old = new Date(Date.now() - 3 * 3600_000);
    utimesSync(stale, old, old);

    w.agent = runAgent(w.host, config(w, { idleTimeoutSeconds: 3 }));
    await waitFor("two runners registered", () => w.github.runners.size === 2);
    expect(w.github.server.pendingFaults()).toBe(0);
    const first = w.github.jitRequests.filter((r) => r.labels);
    expect(first.every((r) => JSON.stringify(r.labels) === JSON.stringify(LABELS) && r.runner_group_id === 7)).toBe(true);
    expect(new Set([...w.github.runners.values()].map((r) => r.name)).size).toBe(2);
    await waitFor("stale work swept", () => !existsSync(stale));
    expect(existsSync(fresh)).toBe(true);

    enqueueJobs(w.host, 3);
    await waitFor("three jobs run", () => jobRecords(w.host).length === 3);
    const records = jobRecords(w.host);
    expect(new Set(records.map((r) => r.work)).size).toBe(3);
    for (const r of records) {
      expect(r.entriesAtStart).toBe(0);
      expect(r.arg).toBe("--jitconfig");
      if (IS_ROOT) expect(r.uid).toBe(65534);
    }
    // GitHub removes a JIT runner once its job is done; a new JIT config follows each job.
    for (const r of records) w.github.finished(r.name);
    await waitFor("re-registration after each job", () => w.github.jitConfigs.length >= 5);
    await waitFor("two live runners", () => [...w.github.runners.values()].filter((r) => !records.some((x) => x.name === r.name)).length === 2);
    await waitFor("job work dirs wiped", () => records.every((r) => !existsSync(r.work)));

    // Idle past the timeout: deregister both live runners, then leave with desired capacity decremented.
    const live = [...w.github.runners.keys()];
    expect(await w.agent.exit).toBe(0);
    expect(w.github.deleted.sort()).toEqual(live.sort());
    expect(w.aws.terminations).toEqual([{ instanceId: "i-0123456789abcdef0", decrement: "true" }]);
    expect(w.agent.lines.filter((l) => l.includes('"msg":"retrying"')).length).toBeGreaterThanOrEqual(5);
    assertNoSecretsLogged(w, w.agent.lines);
  }, 60_000);

  it("stays at the group's minimum, and stays when a runner takes a job while leaving", async () => {
    const w = await world("app");
    w.aws.atMinimum = true;
    w.agent = runAgent(w.host, config(w, { slots: 1, idleTimeoutSeconds: 1 }));
    await waitFor("registered", () => w.github.runners.size === 1);
    await waitFor("a leave refused at min size", () => w.agent!.lines.some((l) => l.includes("group is at its minimum size")));
    // The deregistered runner is replaced: the host keeps serving.
    await waitFor("re-registered after the refused leave", () => w.github.runners.size === 1 && w.github.deleted.length >= 1);
    w.aws.atMinimum = false;
    for (const id of w.github.runners.keys()) w.github.busyRunners.add(id);
    await waitFor("a busy runner aborts the leave", () => w.agent!.lines.some((l) => l.includes("a runner took a job; staying")));
    expect(w.aws.terminations).toEqual([]);
    w.agent.proc.kill("SIGTERM");
    expect(await w.agent.exit).toBe(0);
    assertNoSecretsLogged(w, w.agent.lines);
  }, 60_000);

  it("deregisters cleanly on a spot interruption notice without leaving the group itself", async () => {
    const w = await world("token");
    w.agent = runAgent(w.host, config(w, { runnerGroup: null }));
    await waitFor("registered", () => w.github.runners.size === 2);
    expect(w.github.jitRequests.every((r) => r.runner_group_id === 1)).toBe(true);
    const ids = [...w.github.runners.keys()];
    w.imds.spotNotice = true;
    expect(await w.agent.exit).toBe(0);
    expect(w.github.deleted.sort()).toEqual(ids.sort());
    expect(w.aws.terminations).toEqual([]);
    assertNoSecretsLogged(w, w.agent.lines);
  }, 60_000);

  it("registers persistent runners with config.sh when ephemeral is off, and removes them on SIGTERM", async () => {
    const w = await world("token");
    w.agent = runAgent(w.host, config(w, { ephemeral: false, slots: 2 }));
    await waitFor("config.sh ran for both slots", () => ["1", "2"].every((s) => existsSync(join(w.host.ctrl, "records", `config-${s}.args`))));
    const args = readFileSync(join(w.host.ctrl, "records", "config-1.args"), "utf8").trim().split("\n");
    expect(args.slice(0, 4)).toEqual(["--unattended", "--replace", "--disableupdate", "--no-default-labels"]);
    const flag = (f: string) => args[args.indexOf(f) + 1];
    expect(flag("--url")).toBe("https://github.com/acme");
    expect(flag("--labels")).toBe(LABELS.join(","));
    expect(flag("--runnergroup")).toBe("kernel");
    expect(w.github.registrationTokens).toContain(flag("--token"));
    expect(flag("--name")).toBe("graviton-i-0123456789abcdef0-1");
    await waitFor("both runners configured", () => w.agent!.lines.filter((l) => l.includes('"msg":"runner configured"')).length === 2);
    expect(w.agent.lines.some((l) => l.includes("runner exited"))).toBe(false);
    // Jobs on a persistent runner: each finds an empty workspace, and leaves one behind.
    enqueueJobs(w.host, 3);
    const persistent = () =>
      ["1", "2"].flatMap((s) => {
        const f = join(w.host.ctrl, "records", `persistent-${s}.jsonl`);
        return existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { entriesAtStart: number; entriesAfter: number }) : [];
      });
    await waitFor("three persistent jobs", () => persistent().length === 3);
    expect(persistent().every((r) => r.entriesAtStart === 0 && r.entriesAfter === 0)).toBe(true);
    w.agent.proc.kill("SIGTERM");
    expect(await w.agent.exit).toBe(0);
    expect(w.github.deleted.sort()).toEqual([901, 902]);
    assertNoSecretsLogged(w, w.agent.lines);
  }, 60_000);

  it("refuses to start without the secret, saying why and nothing secret", async () => {
    const w = await world("token");
    w.agent = runAgent(w.host, config(w, { secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZ" }));
    expect(await w.agent.exit).toBe(1);
    expect(w.agent.lines.at(-1)).toMatch(/"msg":"agent failed".*secretsmanager GetSecretValue: HTTP 400/);
    expect(w.github.runners.size).toBe(0);
  }, 30_000);
});
