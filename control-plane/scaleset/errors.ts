import { ScaleSetError, type ScaleSetErrorKind } from "./api";
import { retryAfterMs, type HttpResponse } from "./http";

/**
 * A failed exchange as a ScaleSetError, named like the reference's newRequestResponseError: method,
 * path, status, activity id, and the service's exception name and message (never a token: the URL's
 * query and the request's headers are left out).
 */
export function scaleSetError(method: string, url: string, res: HttpResponse, kind?: ScaleSetErrorKind): ScaleSetError {
  const body = res.body.replace(/^\uFEFF/, "");
  let detail = body.slice(0, 300);
  let exception = "";
  try {
    const parsed = JSON.parse(body) as { typeName?: string; message?: string };
    if (parsed && typeof parsed === "object" && (parsed.typeName || parsed.message)) {
      exception = parsed.typeName ?? "";
      detail = `${parsed.typeName ?? "error"}: ${parsed.message ?? ""}`;
    }
  } catch {
    // text/plain or empty: keep the raw (short) body
  }
  const activity = res.headers.get("activityid") ?? res.headers.get("x-github-request-id") ?? undefined;
  const path = new URL(url).pathname;
  const inferred: ScaleSetErrorKind =
    kind ??
    (res.status === 404 || /AgentNotFoundException|RunnerScaleSetNotFoundException/.test(exception)
      ? "not-found"
      : res.status === 429 || (res.status === 403 && res.headers.get("x-ratelimit-remaining") !== null && retryAfterMs(res.headers, Date.now()) !== undefined)
        ? "throttled"
        : res.status === 401 || res.status === 403
          ? "unauthorized"
          : res.status >= 500
            ? "server"
            : "bad-request");
  return new ScaleSetError(inferred, res.status, `${method} ${path} failed (status ${res.status}${activity ? `, activity ${activity}` : ""}): ${detail || "no body"}`, retryAfterMs(res.headers, Date.now()), activity);
}
