import { createVerify, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A response to inject instead of the normal one: a status (with headers) or a hang. */
export type Fault = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A tiny HTTP server on 127.0.0.1 whose routes a test writes; every request is recorded. */
export class FakeServer {
  readonly requests: Recorded[] = [];
  private faults = new Map<string, Fault[]>();
  private server: Server;
  url = "";

  constructor(private readonly handle: (req: Recorded, res: ServerResponse) => void) {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const rec: Recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
        this.requests.push(rec);
        const fault = this.takeFault(rec);
        if (fault === "hang") return; // the client's timeout has to deal with it
        if (fault) {
          res.writeHead(fault.status, fault.headers ?? {});
          res.end(fault.body ?? "");
          return;
        }
        this.handle(rec, res);
      });
    });
  }

  /** Queues faults for requests whose "METHOD path" starts with `route`. */
  inject(route: string, ...faults: Fault[]): void {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...faults]);
  }

  private takeFault(rec: Recorded): Fault | undefined {
    for (const [route, list] of this.faults) {
      if (`${rec.method} ${rec.path}`.startsWith(route) && list.length > 0) return list.shift();
    }
    return undefined;
  }

  pendingFaults(): number {
    return [...this.faults.values()].reduce((n, l) => n + l.length, 0);
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

export interface FakeRunner {
  id: number;
  name: string;
  labels: string[];
  groupId: number;
  workFolder: string;
}

/** The slice of the GitHub REST API the agent uses, with App auth checked for real. */
export class FakeGithub {
  readonly runners = new Map<number, FakeRunner>();
  readonly jitRequests: { name: string; labels: string[]; runner_group_id: number; work_folder: string }[] = [];
  readonly deleted: number[] = [];
  readonly issuedTokens = new Set<string>();
  /** Every JIT config handed out; none may appear in a log. */
  readonly jitConfigs: string[] = [];
  registrationTokens: string[] = [];
  busyRunners = new Set<number>();
  private nextId = 100;
  readonly server: FakeServer;

  constructor(
    private readonly scope: string,
    private readonly app: { appId: string; installationId: string; publicKey: string } | undefined,
    private readonly staticToken: string | undefined,
    readonly groups: { id: number; name: string }[] = [{ id: 1, name: "Default" }],
  ) {
    this.server = new FakeServer((req, res) => this.route(req, res));
  }

  private authorised(req: Recorded): boolean {
    const bearer = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    return this.issuedTokens.has(bearer) || (this.staticToken !== undefined && bearer === this.staticToken);
  }

  private verifyJwt(jwt: string): boolean {
    if (!this.app) return false;
    const [h, b, s] = jwt.split(".");
    if (!h || !b || !s) return false;
    const claims = JSON.parse(Buffer.from(b, "base64url").toString()) as { iss: string; exp: number; iat: number };
    const now = Date.now() / 1000;
    const ok = createVerify("RSA-SHA256").update(`${h}.${b}`).verify(this.app.publicKey, Buffer.from(s, "base64url"));
    return ok && claims.iss === this.app.appId && claims.exp > now && claims.exp - claims.iat <= 600;
  }

  private route(req: Recorded, res: ServerResponse): void {
    const path = req.path.split("?")[0]!;
    if (this.app && req.method === "POST" && path === `/app/installations/${this.app.installationId}/access_tokens`) {
      if (!this.verifyJwt(String(req.headers.authorization ?? "").replace(/^Bearer /, ""))) return json(res, 401, { message: "bad jwt" });
      const token = `ghs_${randomBytes(16).toString("hex")}`;
      this.issuedTokens.add(token);
      return json(res, 201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString() });
    }
    if (!this.authorised(req)) return json(res, 401, { message: "Bad credentials" });
    if (req.method === "GET" && path === `${this.scope}/actions/runner-groups`) return json(res, 200, { total_count: this.groups.length, runner_groups: this.groups });
    if (req.method === "POST" && path === `${this.scope}/actions/runners/generate-jitconfig`) {
      const b = JSON.parse(req.body) as { name: string; labels: string[]; runner_group_id: number; work_folder: string };
      this.jitRequests.push(b);
      if ([...this.runners.values()].some((r) => r.name === b.name)) return json(res, 409, { message: "Already exists" });
      const id = this.nextId++;
      this.runners.set(id, { id, name: b.name, labels: b.labels, groupId: b.runner_group_id, workFolder: b.work_folder });
      const encoded = Buffer.from(JSON.stringify({ name: b.name, workFolder: b.work_folder, nonce: randomBytes(12).toString("hex") })).toString("base64");
      this.jitConfigs.push(encoded);
      return json(res, 201, { runner: { id, name: b.name }, encoded_jit_config: encoded });
    }
    if (req.method === "POST" && path === `${this.scope}/actions/runners/registration-token`) {
      const token = `AREG${randomBytes(10).toString("hex").toUpperCase()}`;
      this.registrationTokens.push(token);
      return json(res, 201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString() });
    }
    const del = new RegExp(`^${this.scope}/actions/runners/(\\d+)$`).exec(path);
    if (req.method === "DELETE" && del) {
      const id = Number(del[1]);
      if (this.busyRunners.has(id)) return json(res, 422, { message: "Bad request - Runner is busy" });
      this.deleted.push(id);
      this.runners.delete(id);
      res.writeHead(204);
      res.end();
      return;
    }
    json(res, 404, { message: `no route ${req.method} ${path}` });
  }

  /** Ephemeral runners vanish from GitHub after their job, as JIT runners do. */
  finished(name: string): void {
    for (const [id, r] of this.runners) if (r.name === name) this.runners.delete(id);
  }
}

/** Secrets Manager (JSON protocol) and Auto Scaling (query protocol), signature shape checked. */
export class FakeAws {
  readonly terminations: { instanceId: string; decrement: string }[] = [];
  atMinimum = false;
  readonly server: FakeServer;

  constructor(
    private readonly secretArn: string,
    private readonly secretString: string,
  ) {
    this.server = new FakeServer((req, res) => this.route(req, res));
  }

  private route(req: Recorded, res: ServerResponse): void {
    const auth = String(req.headers.authorization ?? "");
    if (!/^AWS4-HMAC-SHA256 Credential=ASIAFAKE\/\d{8}\/eu-west-1\/(secretsmanager|autoscaling)\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(auth) || !req.headers["x-amz-security-token"]) {
      res.writeHead(403);
      res.end("unsigned");
      return;
    }
    if (req.headers["x-amz-target"] === "secretsmanager.GetSecretValue") {
      const { SecretId } = JSON.parse(req.body) as { SecretId: string };
      if (SecretId !== this.secretArn) return json(res, 400, { __type: "ResourceNotFoundException" });
      return json(res, 200, { ARN: this.secretArn, SecretString: this.secretString });
    }
    const form = new URLSearchParams(req.body);
    if (form.get("Action") === "TerminateInstanceInAutoScalingGroup") {
      if (this.atMinimum) {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end("<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Currently, desired capacity 1 is less than or equal to min size 1</Message></Error></ErrorResponse>");
      return;
      }
      this.terminations.push({ instanceId: form.get("InstanceId") ?? "", decrement: form.get("ShouldDecrementDesiredCapacity") ?? "" });
      res.writeHead(200, { "content-type": "text/xml" });
      res.end("<TerminateInstanceInAutoScalingGroupResponse><TerminateInstanceInAutoScalingGroupResult><Activity><StatusCode>InProgress</StatusCode></Activity></TerminateInstanceInAutoScalingGroupResult></TerminateInstanceInAutoScalingGroupResponse>");
      return;
    }
    res.writeHead(400);
    res.end("unknown action");
  }
}

/** IMDSv2: no token, no answer. */
export class FakeImds {
  spotNotice = false;
  readonly token = `imds-${randomBytes(6).toString("hex")}`;
  readonly server: FakeServer;

  constructor(readonly instanceId: string) {
    this.server = new FakeServer((req, res) => this.route(req, res));
  }

  private route(req: Recorded, res: ServerResponse): void {
    if (req.method === "PUT" && req.path === "/latest/api/token") {
      res.writeHead(200);
      res.end(this.token);
      return;
    }
    if (req.headers["x-aws-ec2-metadata-token"] !== this.token) {
      res.writeHead(401);
      res.end();
      return;
    }
    const answers: Record<string, string> = {
      "/latest/meta-data/instance-id": this.instanceId,
      "/latest/meta-data/iam/security-credentials/": "runner-fleet-host",
      "/latest/meta-data/iam/security-credentials/runner-fleet-host": JSON.stringify({
        AccessKeyId: "ASIAFAKE",
        SecretAccessKey: "fakeSecretAccessKeyForTests0000000000",
        Token: "fakeSessionTokenForTests000000000000",
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
      }),
    };
    if (req.path === "/latest/meta-data/spot/instance-action" && this.spotNotice) answers[req.path] = JSON.stringify({ action: "terminate", time: new Date().toISOString() });
    const a = answers[req.path];
    res.writeHead(a === undefined ? 404 : 200);
    res.end(a ?? "");
  }
}
