import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Creds } from "./aws";

/**
 * The instance metadata service as a launch template with `httpTokens: required` serves it
 * (IMDSv2, EC2 User Guide "Use the Instance Metadata Service"): a token from PUT /latest/api/token
 * (TTL header 1–21600 required, X-Forwarded-For refused), every GET without a live token 401.
 * Listens on 127.0.0.1; the boot test relays 169.254.169.254:80 in its own namespace to it.
 */
export interface ImdsState {
  instanceId: string;
  region: string;
  accountId: string;
  role: string;
  creds: Creds;
  /** autoscaling/target-lifecycle-state: InService, Warmed:Stopped, Warmed:Running, … */
  lifecycle: string;
  /** spot/instance-action JSON, or absent (404) until a notice is given. */
  spotAction?: { action: "terminate" | "stop" | "hibernate"; time: string };
}

export interface Imds {
  port: number;
  state: ImdsState;
  /** Every request: method, path, status. */
  log: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startImds(state: ImdsState): Promise<Imds> {
  const tokens = new Map<string, number>();
  const log: Imds["log"] = [];
  const send = (req: IncomingMessage, res: ServerResponse, status: number, body = "", type = "text/plain"): void => {
    log.push({ method: req.method ?? "", path: req.url ?? "", status });
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const paths = (): Record<string, () => string | undefined> => ({
    "/latest/meta-data/instance-id": () => state.instanceId,
    "/latest/meta-data/placement/region": () => state.region,
    "/latest/meta-data/placement/availability-zone": () => `${state.region}a`,
    "/latest/meta-data/iam/security-credentials/": () => state.role,
    [`/latest/meta-data/iam/security-credentials/${state.role}`]: () =>
      JSON.stringify(
        {
          Code: "Success",
          LastUpdated: new Date().toISOString(),
          Type: "AWS-HMAC",
          AccessKeyId: state.creds.accessKeyId,
          SecretAccessKey: state.creds.secretAccessKey,
          Token: state.creds.sessionToken,
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        },
        null,
        2,
      ),
    "/latest/meta-data/autoscaling/target-lifecycle-state": () => state.lifecycle,
    "/latest/meta-data/spot/instance-action": () => (state.spotAction ? JSON.stringify(state.spotAction) : undefined),
    "/latest/dynamic/instance-identity/document": () => JSON.stringify({ accountId: state.accountId, instanceId: state.instanceId, region: state.region, availabilityZone: `${state.region}a` }),
  });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    if (req.headers["x-forwarded-for"]) return send(req, res, 403);
    if (req.method === "PUT" && path === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(req, res, 400);
      const token = randomBytes(32).toString("base64");
      tokens.set(token, Date.now() + ttl * 1000);
      res.setHeader("x-aws-ec2-metadata-token-ttl-seconds", String(ttl));
      return send(req, res, 200, token);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405);
    const token = req.headers["x-aws-ec2-metadata-token"];
    const until = typeof token === "string" ? tokens.get(token) : undefined;
    if (until === undefined || until < Date.now()) return send(req, res, 401);
    const value = paths()[path]?.();
    if (value === undefined) return send(req, res, 404);
    return send(req, res, 200, value, path.includes("security-credentials/") && !path.endsWith("/") ? "application/json" : "text/plain");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    state,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
