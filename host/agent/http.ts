import type { Logger } from "./log";

export interface RetryPolicy {
  attempts: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, timeoutMs: 15_000, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** What the request is for, for log lines; never the URL's secrets. */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    readonly body: string,
  ) {
    super(`${what}: HTTP ${status}`);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long the server asked us to wait, from Retry-After or GitHub's rate-limit headers. */
export function serverDelayMs(res: { status: number; headers: Headers }, now = Date.now()): number | undefined {
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter !== null) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (res.headers.get("x-ratelimit-remaining") === "0") {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

function retryable(res: { status: number; headers: Headers }): boolean {
  if (res.status >= 500 || res.status === 429) return true;
  // GitHub answers an exhausted rate limit with 403 and remaining 0.
  return res.status === 403 && res.headers.get("x-ratelimit-remaining") === "0";
}

/**
 * One HTTP exchange with retries on network errors, timeouts, 5xx, 429 and rate limits:
 * exponential backoff with full jitter, or exactly what the server asked for. A 4xx other than
 * those is the caller's to handle and is returned, not retried.
 */
export async function request(req: HttpRequest, log: Logger, policy: RetryPolicy = DEFAULT_RETRY): Promise<HttpResponse> {
  let last: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    let wait = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    try {
      const init: RequestInit = { method: req.method, signal: AbortSignal.timeout(policy.timeoutMs) };
      if (req.headers) init.headers = req.headers;
      if (req.body !== undefined) init.body = req.body;
      const res = await fetch(req.url, init);
      const text = await res.text();
      if (!retryable(res)) return { status: res.status, headers: res.headers, text };
      last = new HttpError(res.status, req.what, text);
      wait = serverDelayMs(res) ?? wait;
      log.warn("retrying", { what: req.what, status: res.status, attempt: attempt + 1, waitMs: Math.round(wait) });
    } catch (e) {
      last = e;
      const reason = e instanceof Error ? (e.name === "TimeoutError" ? "timeout" : e.message) : String(e);
      log.warn("retrying", { what: req.what, error: reason, attempt: attempt + 1, waitMs: Math.round(wait) });
    }
    if (attempt + 1 < policy.attempts) await sleep(wait);
  }
  throw last instanceof Error ? last : new Error(`${req.what}: failed`);
}

/** `request`, then JSON, failing on any non-2xx. */
export async function requestJson<T>(req: HttpRequest, log: Logger, policy?: RetryPolicy): Promise<T> {
  const res = await request(req, log, policy);
  if (res.status < 200 || res.status > 299) throw new HttpError(res.status, req.what, res.text.slice(0, 500));
  return (res.text ? JSON.parse(res.text) : {}) as T;
}
