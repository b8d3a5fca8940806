import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { BrokerError, BrokerErrorCode, BrokerRequest, DeregisterAnswer, HostEvent, JitAnswer, LeaveAnswer, LeaveReason, ReportAnswer } from "../../protocol/broker";
import { RUNNER_NAME_MAX } from "../../protocol/broker";
import type { Imds } from "./imds";

export type LeaveResult = "left" | "below-minimum";

/** A refusal from the broker (protocol/broker.ts) or the function URL in front of it. */
export class BrokerRefusal extends Error {
  constructor(
    readonly code: BrokerErrorCode | "forbidden" | "bad-answer",
    readonly retryable: boolean,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`broker refused (${code}): ${message}`);
  }
}

/**
 * The agent's only way to GitHub: the control plane's broker behind a function URL with AWS_IAM
 * auth, signed (SigV4, service lambda) with the instance role from IMDS. The body never names the
 * instance: the broker reads it from the verified role session.
 */
export class Broker {
  constructor(
    private readonly url: string,
    private readonly region: string,
    private readonly pool: string,
    private readonly imds: Imds,
    private readonly timeoutMs = 30_000,
  ) {}

  private async signedPost(body: string, forceCreds: boolean): Promise<Response> {
    const u = new URL(this.url);
    const signer = new SignatureV4({ service: "lambda", region: this.region, credentials: await this.imds.credentials(forceCreds), sha256: Sha256 });
    const req = new HttpRequest({
      method: "POST",
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      path: u.pathname || "/",
      headers: { host: u.host, "content-type": "application/json" },
      body,
    });
    const signed = await signer.sign(req);
    return fetch(this.url, { method: "POST", headers: signed.headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  async call<T>(req: BrokerRequest): Promise<T> {
    const body = JSON.stringify(req);
    let res: Response;
    try {
      res = await this.signedPost(body, false);
      // The function URL says only "Forbidden": the cached role credentials may have rotated.
      if (res.status === 403 && !(await peekBrokerError(res.clone()))) res = await this.signedPost(body, true);
    } catch (e) {
      throw new BrokerRefusal("upstream", true, `no answer: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new BrokerRefusal("bad-answer", true, `HTTP ${res.status}, not JSON`);
      }
    }
    const err = parseBrokerError(text);
    if (err) throw new BrokerRefusal(err.error.code, err.error.retryable, err.error.message.slice(0, 300), err.error.retryAfterSeconds);
    if (res.status === 403) throw new BrokerRefusal("forbidden", false, "the function URL refused the signed request");
    throw new BrokerRefusal("upstream", res.status >= 500 || res.status === 429, `HTTP ${res.status}`);
  }

  async jit(slot: number, runnerVersion: string): Promise<JitAnswer> {
    const a = await this.call<JitAnswer>({ v: 1, action: "jit", pool: this.pool, slot, runnerVersion });
    if (typeof a.runnerName !== "string" || typeof a.encodedJitConfig !== "string" || !Number.isInteger(a.runnerId)) throw new BrokerRefusal("bad-answer", true, "JIT answer lacks fields");
    // GitHub refuses longer names; a broker that hands one out is wrong, and the runner would fail later.
    if (a.runnerName.length > RUNNER_NAME_MAX || a.runnerName.length === 0) throw new BrokerRefusal("bad-answer", false, `runner name of ${a.runnerName.length} characters (max ${RUNNER_NAME_MAX})`);
    return a;
  }

  async deregister(runnerIds?: number[]): Promise<number[]> {
    const a = await this.call<DeregisterAnswer>({ v: 1, action: "deregister", pool: this.pool, ...(runnerIds ? { runnerIds } : {}) });
    return Array.isArray(a.removed) ? a.removed : [];
  }

  /**
   * Asks the broker to terminate this instance in its group. "below-minimum" when AWS refused the
   * decrement at the group's floor (the broker's `at-minimum`); any other refusal throws.
   */
  async leave(reason: LeaveReason, decrement: boolean): Promise<LeaveResult> {
    try {
      const a = await this.call<LeaveAnswer>({ v: 1, action: "leave", pool: this.pool, decrement, reason });
      if (a.left !== true) throw new BrokerRefusal("bad-answer", true, "leave answer lacks left: true");
      return "left";
    } catch (e) {
      if (e instanceof BrokerRefusal && e.code === "at-minimum") return "below-minimum";
      throw e;
    }
  }

  async report(event: HostEvent, detail?: string): Promise<void> {
    await this.call<ReportAnswer>({ v: 1, action: "report", pool: this.pool, event, ...(detail ? { detail: detail.slice(0, 1000) } : {}) });
  }
}

function parseBrokerError(text: string): BrokerError | undefined {
  try {
    const e = JSON.parse(text) as BrokerError;
    return e && typeof e === "object" && e.error && typeof e.error.code === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}

async function peekBrokerError(res: Response): Promise<boolean> {
  return parseBrokerError(await res.text()) !== undefined;
}
