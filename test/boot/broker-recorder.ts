import { createServer, type Server } from "node:http";
import type { BrokerError, BrokerRequest, ReportRequest } from "../../protocol/broker";
import type { Creds } from "./aws";

/**
 * Records what reaches the broker's function URL from the install script (curl, SigV4 service
 * "lambda"). It checks the signature's scope and that it is the instance role's session (key id
 * and token), and answers per protocol/broker.ts; it does not recompute the signature (moto does
 * that for every S3 request the same script makes with the same signer).
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

export async function startBrokerRecorder(o: { region: string; creds: Creds }): Promise<BrokerRecorder> {
  const calls: BrokerCall[] = [];
  const refused: BrokerRecorder["refused"] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const refuse = (reason: string): void => {
        refused.push({ at: Date.now(), reason });
        const body: BrokerError = { v: 1, error: { code: "unauthenticated", message: reason, retryable: false } };
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const auth = req.headers.authorization ?? "";
      const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
      if (!m) return refuse("no SigV4 authorization");
      const [, keyId, , region, service, signed] = m;
      if (service !== "lambda" || region !== o.region) return refuse(`scope ${region}/${service}`);
      if (keyId !== o.creds.accessKeyId || req.headers["x-amz-security-token"] !== o.creds.sessionToken) return refuse("not the instance role's session");
      if (!signed!.split(";").includes("x-amz-security-token") || !signed!.split(";").includes("host")) return refuse(`signed headers ${signed}`);
      const date = String(req.headers["x-amz-date"] ?? "");
      const when = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
      if (!(Math.abs(Date.now() - when) < 300_000)) return refuse(`x-amz-date ${date}`);
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
