import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * The instance metadata service as a launch template with `httpTokens: required` serves it
 * (EC2 User Guide, "Use the Instance Metadata Service to access instance metadata", IMDSv2):
 * - PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds in 1..21600 (else 400);
 * - any request carrying X-Forwarded-For is refused (403): IMDS will not serve through a proxy;
 * - every GET without a live token (missing, unknown, expired) is 401, even for paths that exist;
 * - a path with no value is 404 (spot/instance-action until a notice is given).
 * The test switches `state` at any time (a spot notice, a warm-pool lifecycle move, new creds).
 * Listens on 127.0.0.1 only.
 */
export interface InstanceCreds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface ImdsState {
  instanceId: string;
  region: string;
  accountId: string;
  role: string;
  creds: InstanceCreds;
  /** autoscaling/target-lifecycle-state: InService, Warmed:Stopped, Warmed:Running, Warmed:Hibernated, … */
  lifecycle: string;
  /** spot/instance-action, or absent (404) until a notice is given. */
  spotAction?: { action: "terminate" | "stop" | "hibernate"; time: string };
}

export interface Imds {
  url: string;
  state: ImdsState;
  /** Every request: method, path, status. */
  log: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/** Credentials shaped like STS's for an instance role (ASIA… key id, long session token). */
export function instanceCreds(): InstanceCreds {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString("base64")}`,
  };
}

export function imdsState(o: Partial<ImdsState> = {}): ImdsState {
  return {
    instanceId: `i-${randomBytes(8).toString("hex").slice(0, 17)}`,
    region: "eu-west-1",
    accountId: "123456789012",
    role: "rf-host-role",
    creds: instanceCreds(),
    lifecycle: "InService",
    ...o,
  };
}

export async function startImds(state: ImdsState = imdsState()): Promise<Imds> {
  const tokens = new Map<string, number>();
  const log: Imds["log"] = [];
  const send = (req: IncomingMessage, res: ServerResponse, status: number, body = "", type = "text/plain"): void => {
    log.push({ method: req.method ?? "", path: req.url ?? "", status });
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const value = (path: string): string | undefined => {
    const s = state;
    const table: Record<string, () => string | undefined> = {
      "/latest/meta-data/instance-id": () => s.instanceId,
      "/latest/meta-data/placement/region": () => s.region,
      "/latest/meta-data/placement/availability-zone": () => `${s.region}a`,
      "/latest/meta-data/iam/security-credentials/": () => s.role,
      "/latest/meta-data/iam/security-credentials": () => s.role,
      [`/latest/meta-data/iam/security-credentials/${s.role}`]: () =>
        JSON.stringify(
          {
            Code: "Success",
            LastUpdated: new Date().toISOString(),
            Type: "AWS-HMAC",
            AccessKeyId: s.creds.accessKeyId,
            SecretAccessKey: s.creds.secretAccessKey,
            Token: s.creds.sessionToken,
            Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
          },
          null,
          2,
        ),
      "/latest/meta-data/autoscaling/target-lifecycle-state": () => s.lifecycle,
      "/latest/meta-data/spot/instance-action": () => (s.spotAction ? JSON.stringify(s.spotAction) : undefined),
      "/latest/dynamic/instance-identity/document": () =>
        JSON.stringify({ accountId: s.accountId, instanceId: s.instanceId, region: s.region, availabilityZone: `${s.region}a` }),
    };
    return table[path]?.();
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    const path = (req.url ?? "").split("?")[0]!;
    if (req.headers["x-forwarded-for"] !== undefined) return send(req, res, 403);
    if (path === "/latest/api/token") {
      if (req.method !== "PUT") return send(req, res, 405);
      const raw = req.headers["x-aws-ec2-metadata-token-ttl-seconds"];
      const ttl = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(ttl >= 1 && ttl <= 21600)) return send(req, res, 400);
      const token = randomBytes(32).toString("base64");
      tokens.set(token, Date.now() + ttl * 1000);
      res.setHeader("x-aws-ec2-metadata-token-ttl-seconds", String(ttl));
      return send(req, res, 200, token);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405);
    const token = req.headers["x-aws-ec2-metadata-token"];
    const until = typeof token === "string" ? tokens.get(token) : undefined;
    if (until === undefined || until < Date.now()) return send(req, res, 401);
    const v = value(path);
    if (v === undefined) return send(req, res, 404);
    const json = path.startsWith("/latest/meta-data/iam/security-credentials/") && path !== "/latest/meta-data/iam/security-credentials/";
    return send(req, res, 200, v, json ? "application/json" : "text/plain");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    state,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
