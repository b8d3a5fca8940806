import { BudgetWait } from "../github/budget";

/**
 * One HTTP exchange with retries as the reference client's go-retryablehttp default policy does
 * (common_client.go: 4 retries, waits up to 30 s): connection errors, 429 and 5xx other than 501
 * are retried with exponential backoff from 1 s, honouring Retry-After on 429 and 503. Beyond the
 * reference, GitHub's secondary limit as a 403 with Retry-After is waited out and retried too
 * (GitHub's docs: "you should not retry your request until after that many seconds"). Anything
 * else is returned to the caller, which maps it to a ScaleSetError. A budget that refuses to wait
 * (BudgetWait) is the caller's answer, not a failure to retry.
 */
export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  retryMax?: number;
  retryWaitMaxMs?: number;
  /** Per attempt; the message long-poll sets its own (it waits ~50 s on the server). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const v = headers.get("retry-after");
  if (v === null) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** GitHub's secondary limit: 403 with Retry-After (a plain 403 is a refusal, not a wait). */
export function secondaryLimit(status: number, headers: Headers): boolean {
  return status === 403 && headers.get("retry-after") !== null;
}

function retryable(status: number, headers: Headers): boolean {
  return status === 429 || secondaryLimit(status, headers) || (status >= 500 && status !== 501);
}

export async function send(deps: HttpDeps, url: string, init: RequestInit, opts: { timeoutMs?: number; retry?: (status: number, headers: Headers) => boolean; timeoutIsNoContent?: boolean } = {}): Promise<HttpResponse> {
  const max = deps.retryMax ?? 4;
  const waitMax = deps.retryWaitMaxMs ?? 30_000;
  const shouldRetry = opts.retry ?? retryable;
  let lastError: unknown;
  for (let attempt = 0; attempt <= max; attempt++) {
    let wait = Math.min(waitMax, 1000 * 2 ** attempt);
    try {
      const res = await deps.fetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs ?? deps.timeoutMs ?? 30_000) });
      const body = await res.text();
      if (!shouldRetry(res.status, res.headers) || attempt === max) return { status: res.status, headers: res.headers, body };
      const after = res.status === 429 || res.status === 503 || secondaryLimit(res.status, res.headers) ? retryAfterMs(res.headers, Date.now()) : undefined;
      if (after !== undefined) wait = Math.min(waitMax, after);
      lastError = new Error(`HTTP ${res.status}`);
    } catch (e) {
      if (e instanceof BudgetWait) throw e;
      // A long-poll cut short by the caller's wait limit is "no message yet", not a failure.
      if (opts.timeoutIsNoContent && (e as Error).name === "TimeoutError") return { status: 202, headers: new Headers(), body: "" };
      lastError = e;
      if (attempt === max) break;
    }
    await deps.sleep(wait);
  }
  throw new Error(`${init.method ?? "GET"} ${url.replace(/\?.*$/, "")}: giving up after ${max + 1} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
