import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { BrokerError, BrokerRequest, JitAnswer } from "../../../protocol/broker";
import { BROKER_ERROR_STATUS } from "../../../protocol/broker";
import { labelsMatch } from "../../../protocol/labels";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { leaveGroup } from "../../../control-plane/broker/leave";
import { asRefusal, errorBody, statusOf } from "../../../control-plane/broker/refusal";
import type { FunctionUrlEvent } from "../function-url";

/**
 * The GitHub side the stand-in listener talks to (the runner's serverUrl), and a minimal broker
 * double in front of it that issues JIT configs shaped as the real ones (base64 JSON of the
 * .runner / .credentials / .credentials_rsaparams files, each base64). The control plane's real
 * broker plugs into the same function URL later.
 */
export interface Job {
  id: string;
  /** As the workflow writes it: a runner takes the job only if its set carries every label (labelsMatch). */
  runsOn: string[];
  repo: string;
  steps: string[];
  env?: Record<string, string>;
  listenerExit?: number;
}

export interface Completed {
  id: string;
  runnerId: number;
  runnerName: string;
  result: string;
  outputs: string[];
  uid: number;
}

export interface Runner {
  id: number;
  name: string;
  instanceId: string;
  slot: number;
  /** The labels of the scale set the runner was issued from. */
  labels: string[];
  busy: boolean;
  deleted: boolean;
}

export interface RunnerService {
  url: string;
  queue: Job[];
  completed: Completed[];
  runners: Runner[];
  /** Resolves when a job with this id completes. */
  done(id: string, timeoutMs?: number): Promise<Completed>;
  close(): Promise<void>;
}

export async function startRunnerService(): Promise<RunnerService> {
  const waiters = new Map<string, (c: Completed) => void>();
  const s: RunnerService = { url: "", queue: [], completed: [], runners: [], done: async () => undefined as never, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const runner = s.runners.find((r) => r.id === body.runnerId);
      const send = (status: number, b?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(b === undefined ? "" : JSON.stringify(b));
      };
      if (req.url === "/acquire") {
        if (!runner || runner.deleted) return send(404, { message: "runner not found" });
        // GitHub hands a runner only jobs whose runs-on its set matches; others wait for their own set.
        const at = s.queue.findIndex((j) => labelsMatch(j.runsOn, runner.labels));
        if (at < 0) return send(204);
        const [job] = s.queue.splice(at, 1);
        runner.busy = true;
        return send(200, job);
      }
      if (req.url === "/complete") {
        const c = body as unknown as Completed;
        s.completed.push(c);
        if (runner) {
          runner.busy = false;
          runner.deleted = true;
        }
        waiters.get(c.id)?.(c);
        return send(200, {});
      }
      return send(404);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  s.done = (id, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const known = s.completed.find((c) => c.id === id);
      if (known) return resolve(known);
      const t = setTimeout(() => reject(new Error(`job ${id} did not complete in ${timeoutMs} ms`)), timeoutMs);
      waiters.set(id, (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
  s.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return s;
}

export interface BrokerDouble {
  handler: (e: FunctionUrlEvent) => Promise<unknown>;
  calls: { instanceId: string; body: BrokerRequest }[];
  /** Next JIT answers to refuse, in order (then normal service resumes). */
  refusals: BrokerError["error"][];
  /** Name runners this long (tests the agent's 64-character check). */
  nameLength?: number;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * The broker's side of the host protocol for host tests: JIT configs for the stand-in service, and
 * leaving through the control plane's own code (control-plane/broker/leave.ts) with `autoscaling`,
 * a client signed with the control plane's key, never the host's.
 */
export function brokerDouble(service: RunnerService, o: { pool: string; labels: string[]; role: string; slots: number; serverUrl?: string; autoscaling?: AutoScalingClient }): BrokerDouble {
  let nextId = 100;
  const d: BrokerDouble = {
    calls: [],
    refusals: [],
    handler: async (e) => {
      const answer = (status: number, body: unknown) => ({ statusCode: status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const refuse = (err: BrokerError["error"]) => answer(BROKER_ERROR_STATUS[err.code], { v: 1, error: err } satisfies BrokerError);
      const m = new RegExp(`^arn:aws:sts::\\d{12}:assumed-role/${o.role}/(i-[0-9a-f]+)$`).exec(e.requestContext.authorizer.iam.userArn);
      if (!m) return refuse({ code: "unauthenticated", message: "not an instance role session", retryable: false });
      const instanceId = m[1]!;
      const body = JSON.parse(e.body ?? "{}") as BrokerRequest;
      d.calls.push({ instanceId, body });
      if (body.v !== 1 || body.pool !== o.pool) return refuse({ code: "wrong-pool", message: "wrong pool", retryable: false });
      if (body.action === "report") return answer(200, { v: 1, accepted: true });
      if (body.action === "leave") {
        if (!o.autoscaling) return refuse({ code: "bad-request", message: "this double was given no Auto Scaling client", retryable: false });
        try {
          return answer(200, await leaveGroup(o.autoscaling, instanceId, body));
        } catch (e) {
          const r = asRefusal(e);
          return answer(statusOf(r), errorBody(r));
        }
      }
      if (body.action === "deregister") {
        const mine = service.runners.filter((r) => r.instanceId === instanceId && !r.deleted && (!body.runnerIds || body.runnerIds.includes(r.id)));
        // GitHub refuses to delete a runner running a job.
        const removed = mine.filter((r) => !r.busy);
        for (const r of removed) r.deleted = true;
        return answer(200, { v: 1, removed: removed.map((r) => r.id) });
      }
      if (body.action !== "jit" || !Number.isInteger(body.slot) || body.slot < 1 || body.slot > o.slots) return refuse({ code: "bad-request", message: "bad request", retryable: false });
      const r = d.refusals.shift();
      if (r) return refuse(r);
      const id = nextId++;
      const base = `${o.pool}-${instanceId}-${body.slot}-${id}`;
      const name = d.nameLength ? base.padEnd(d.nameLength, "x") : base;
      service.runners.push({ id, name, instanceId, slot: body.slot, labels: o.labels, busy: false, deleted: false });
      const files = {
        ".runner": b64(JSON.stringify({ agentId: id, agentName: name, poolId: 1, poolName: "Default", serverUrl: o.serverUrl ?? service.url, gitHubUrl: "https://github.com/rf-test", workFolder: "_work", ephemeral: true })),
        ".credentials": b64(JSON.stringify({ scheme: "OAuthAccessToken", data: { token: randomBytes(24).toString("hex") } })),
        ".credentials_rsaparams": b64(JSON.stringify({ d: randomBytes(16).toString("base64") })),
      };
      const jit: JitAnswer = { v: 1, runnerName: name, runnerId: id, scaleSetId: 1, encodedJitConfig: b64(JSON.stringify(files)) };
      return answer(200, jit);
    },
  };
  return d;
}

export const RUNNER_UPSTREAM_DIR = "upstream/actions-runner-2.336.0";

export interface Release {
  version: string;
  bytes: Buffer;
  sha256: string;
}

/**
 * A runner release tarball laid out as actions/runner ships it (externals.sh): the real root
 * scripts and installdependencies.sh from ../shared/upstream, read in place; bin/ with the
 * stand-in listener; externals/node24 with this machine's glibc Node and node24_alpine with a
 * binary that cannot start, as the musl build cannot on glibc.
 */
export function buildRelease(shared: string, dir: string, version: string): Release {
  const up = join(shared, RUNNER_UPSTREAM_DIR);
  const root = join(dir, `layout-${version}`);
  for (const d of ["bin", "externals/node24/bin", "externals/node24_alpine/bin"]) mkdirSync(join(root, d), { recursive: true });
  for (const f of ["run.sh", "config.sh", "env.sh", "run-helper.sh.template", "safe_sleep.sh"]) {
    copyFileSync(join(up, "layoutroot", f), join(root, f));
    chmodSync(join(root, f), 0o755);
  }
  copyFileSync(join(up, "layoutbin/installdependencies.sh"), join(root, "bin/installdependencies.sh"));
  for (const f of ["Runner.Listener", "listener.js"]) copyFileSync(join(__dirname, f), join(root, "bin", f));
  chmodSync(join(root, "bin/Runner.Listener"), 0o755);
  writeFileSync(join(root, "bin/runner-version"), `${version}\n`);
  copyFileSync(process.execPath, join(root, "externals/node24/bin/node"));
  chmodSync(join(root, "externals/node24/bin/node"), 0o755);
  writeFileSync(join(root, "externals/node24_alpine/bin/node"), "#!/lib/ld-musl-x86_64.so.1\n");
  chmodSync(join(root, "externals/node24_alpine/bin/node"), 0o755);
  const file = join(dir, `actions-runner-linux-x64-${version}.tar.gz`);
  execFileSync("tar", ["-czf", file, "-C", root, "."]);
  const bytes = readFileSync(file);
  return { version, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}
