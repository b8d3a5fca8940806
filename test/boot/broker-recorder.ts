import { createServer, type Server } from "node:http";
import type { BrokerError, BrokerRequest, ReportRequest } from "../../protocol/broker";
import type { Creds } from "./aws";
import { verifySigV4 } from "../standins/sigv4-verify";
import { authorizeUrlCall, type Principal } from "../standins/function-url";
import type { StandinIam } from "../helpers/standin-iam";

/**
 * Records what reaches the broker's function URL from the install script (curl, SigV4 service
 * "lambda"). It verifies the request with the verifier the function URL stand-in uses (signature
 * recomputed, scope, session token, clock skew), requires the instance role's session, authorises
 * it with the rendered host policy (and the broker's function policy, which the render leaves empty) as the function URL does, and answers per
 * protocol/broker.ts.
 */
export interface BrokerCall {
  at: number;
  body: BrokerRequest;
  /** Whether the broker answered it with success (a JIT config issued, a report accepted). */
  ok: boolean;
}

export interface BrokerRecorder {
  port: number;
  calls: BrokerCall[];
  refused: { at: number; reason: string }[];
  close(): Promise<void>;
}

export async function startBrokerRecorder(o: { region: string; creds: Creds & { sessionToken: string }; iam: () => StandinIam; principal: Omit<Principal, "accessKeyId" | "secretAccessKey" | "sessionToken"> }): Promise<BrokerRecorder> {
  const calls: BrokerCall[] = [];
  const refused: BrokerRecorder["refused"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", async () => {
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString("utf8");
      const refuse = (reason: string): void => {
        refused.push({ at: Date.now(), reason });
        const body: BrokerError = { v: 1, error: { code: "unauthenticated", message: reason, retryable: false } };
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const who: Principal = { ...o.principal, ...o.creds };
      const v = verifySigV4({ method: req.method ?? "", url: req.url ?? "/", rawHeaders: req.rawHeaders, body: bytes }, { region: o.region, service: "lambda", key: (id) => (id === who.accessKeyId ? who : undefined) });
      if (!v.ok) return refuse(v.reason);
      const denied = await authorizeUrlCall(o.iam(), who);
      if (denied) return refuse(denied);
      let body: BrokerRequest;
      try {
        body = JSON.parse(raw) as BrokerRequest;
      } catch {
        return refuse("body is not JSON");
      }
      const ok = body.action === "report";
      calls.push({ at: Date.now(), body, ok });
      if (ok) {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ v: 1, accepted: true }));
      }
      const refusal: BrokerError = { v: 1, error: { code: "bad-request", message: "this recorder answers reports only", retryable: false } };
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(JSON.stringify(refusal));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, calls, refused, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function reports(r: BrokerRecorder): ReportRequest[] {
  return r.calls.map((c) => c.body).filter((b): b is ReportRequest => b.action === "report");
}
