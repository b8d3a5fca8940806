import type {
  JitRunnerConfig,
  MessageSession,
  RunnerReference,
  RunnerScaleSet,
  RunnerScaleSetMessage,
  RunnerScaleSetSession,
  ScaleSetClient,
} from "./api";
import { ScaleSetError } from "./api";
import { scaleSetError } from "./errors";
import { parseGithubConfig, registrationTokenPath, type GithubConfig } from "./github-config";
import { send, secondaryLimit, type HttpDeps, type HttpResponse } from "./http";
import { BudgetWait, pacedFetch, type GitHubBudget } from "../github/budget";
import { jwtExpiresAtMs, parseMessage } from "./messages";

const SCALE_SETS = "_apis/runtime/runnerscalesets";
const RUNNERS = "_apis/distributedtask/pools/0/agents";
export const MAX_CAPACITY_HEADER = "X-ScaleSetMaxCapacity";

/** The service may start a body with a UTF-8 BOM (the reference trims it before decoding). */
function json(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ""));
}

export interface ScaleSetClientOptions {
  /** The scale set's GitHub URL: organisation, enterprise or repository. */
  githubConfigUrl: string;
  /** REST API root; default from the config URL as the reference derives it. */
  apiUrl?: string;
  /** A token GitHub accepts for the registration-token call: a PAT, or an App installation token. */
  githubToken: () => Promise<string>;
  userAgent?: string;
  http?: Partial<HttpDeps>;
  /** How long one message long-poll may take before it is abandoned (the service holds ~50 s). */
  pollTimeoutMs?: number;
  now?: () => number;
  /** Called with every token the client obtains (registration, admin, queue), e.g. to redact logs. */
  onSecret?: (secret: string) => void;
  /**
   * The function's share of GitHub's limits (protocol/github-budget.ts). It paces the REST calls
   * and the scale-set admin calls (scale sets, runner groups, runners, JIT configs), counted as
   * GitHub counts REST points; the message-session protocol (sessions, the queue, acquiring jobs)
   * is the actions service's own, one session per set as ARC runs it, paced by its Retry-After.
   * `maxWaitMs`: a longer wait is answered with a "throttled" error at once (the broker's hosts retry).
   */
  budget?: { budget: GitHubBudget; maxWaitMs?: number };
}

interface AdminConnection {
  url: string;
  token: string;
  expiresAtMs: number;
}

/**
 * The runner scale set service, after actions/scaleset 0.4.0 (client.go, session_client.go): the
 * registration token from GitHub's REST API, exchanged with `RemoteAuth` at
 * <api>/actions/runner-registration for the actions service URL and an admin JWT (refreshed a
 * minute before it expires), then the service's own paths with `api-version=6.0-preview`.
 */
export class HttpScaleSetClient implements ScaleSetClient {
  readonly config: GithubConfig;
  private admin?: AdminConnection;
  private readonly http: HttpDeps;
  /** `http` through the budget: what GitHub counts against its REST limits. */
  private readonly paced: HttpDeps;
  private readonly userAgent: string;
  private readonly now: () => number;

  constructor(private readonly opts: ScaleSetClientOptions) {
    this.config = parseGithubConfig(opts.githubConfigUrl, opts.apiUrl);
    this.http = { fetch: opts.http?.fetch ?? fetch, sleep: opts.http?.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), ...opts.http } as HttpDeps;
    const b = opts.budget;
    this.paced = b ? { ...this.http, fetch: pacedFetch(b.budget, this.http.fetch, b.maxWaitMs === undefined ? {} : { maxWaitMs: b.maxWaitMs }) } : this.http;
    this.userAgent = opts.userAgent ?? "runner-fleet-control-plane";
    this.now = opts.now ?? Date.now;
  }

  /** A budget that will not wait as long as the caller may: GitHub's own "throttled", with when to come back. */
  private async budgeted<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof BudgetWait) throw new ScaleSetError("throttled", 429, `the control plane's GitHub budget is spent for ${Math.ceil(e.retryAfterMs / 1000)} s`, e.retryAfterMs);
      throw e;
    }
  }

  private async connection(): Promise<AdminConnection> {
    if (this.admin && this.admin.expiresAtMs - 60_000 > this.now()) return this.admin;
    const token = await this.opts.githubToken();
    const regUrl = `${this.config.apiUrl}${registrationTokenPath(this.config.scope)}`;
    const reg = await send(this.paced, regUrl, { method: "POST", headers: { "User-Agent": this.userAgent, "Content-Type": "application/vnd.github.v3+json", Authorization: `Bearer ${token}` } });
    if (reg.status !== 201) throw scaleSetError("POST", regUrl, reg);
    const registration = json(reg.body) as { token?: string };
    if (!registration.token) throw new Error(`POST ${new URL(regUrl).pathname}: no registration token in the answer`);
    this.opts.onSecret?.(registration.token);
    const connUrl = `${this.config.apiUrl}/actions/runner-registration`;
    // The reference retries this exchange on 401/403 too (the registration token can lag).
    const conn = await send(
      this.paced,
      connUrl,
      { method: "POST", headers: { "User-Agent": this.userAgent, "Content-Type": "application/json", Authorization: `RemoteAuth ${registration.token}` }, body: JSON.stringify({ url: this.config.configUrl, runner_event: "register" }) },
      { retry: (s, h) => s === 401 || s === 403 || s === 429 || secondaryLimit(s, h) || (s >= 500 && s !== 501) },
    );
    if (conn.status < 200 || conn.status > 299) throw scaleSetError("POST", connUrl, conn);
    const parsed = json(conn.body) as { url?: string; token?: string };
    if (!parsed.url) throw new Error("actions service admin connection missing url");
    if (!parsed.token) throw new Error("actions service admin connection missing token");
    this.opts.onSecret?.(parsed.token);
    this.admin = { url: parsed.url, token: parsed.token, expiresAtMs: jwtExpiresAtMs(parsed.token) };
    return this.admin;
  }

  /** A request to the actions service with the admin token (or `bearer` when given, as acquirejobs uses the queue token). */
  private async service(method: string, path: string, body?: unknown, bearer?: string, retried = false, http: HttpDeps = this.http): Promise<{ url: string; res: HttpResponse }> {
    const admin = await this.budgeted(() => this.connection());
    const [p, q] = path.split("?") as [string, string | undefined];
    const url = new URL(`${admin.url.replace(/\/+$/, "")}/${p.replace(/^\/+/, "")}`);
    for (const [k, v] of new URLSearchParams(q ?? "")) url.searchParams.set(k, v);
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", "6.0-preview");
    const res = await this.budgeted(() => send(http, url.href, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${bearer ?? admin.token}`, "User-Agent": this.userAgent },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }));
    // A revoked admin token (not just an expired one) is replaced once; the reference would fail the call.
    if (res.status === 401 && bearer === undefined && !retried) {
      this.admin = undefined;
      return this.service(method, path, body, bearer, true, http);
    }
    return { url: url.href, res };
  }

  /** An admin call: counted against the budget. */
  private async expect<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
    let { url, res } = await this.service(method, path, body, undefined, false, this.paced);
    if (res.status === 401) {
      // The admin token was refused before its exp (revoked, or the service rotated keys): one new connection, one more try.
      this.admin = undefined;
      ({ url, res } = await this.service(method, path, body, undefined, false, this.paced));
    }
    if (res.status !== status) throw scaleSetError(method, url, res);
    return (res.body ? json(res.body) : undefined) as T;
  }

  async getRunnerGroupByName(name: string): Promise<{ id: number; name: string; isDefaultGroup: boolean }> {
    const list = await this.expect<{ count: number; value: { id: number; name: string; isDefaultGroup: boolean }[] }>("GET", `/_apis/runtime/runnergroups/?groupName=${encodeURIComponent(name)}`, 200);
    if (list.count === 0) throw new ScaleSetError("not-found", 200, `no runner group found with name "${name}"`);
    if (list.count > 1) throw new ScaleSetError("bad-request", 200, `multiple runner groups found with name "${name}"`);
    return list.value[0]!;
  }

  async getRunnerScaleSet(runnerGroupId: number, name: string): Promise<RunnerScaleSet | undefined> {
    const list = await this.expect<{ count: number; value: RunnerScaleSet[] }>("GET", `/${SCALE_SETS}?runnerGroupId=${runnerGroupId}&name=${encodeURIComponent(name)}`, 200);
    if (list.count > 1) throw new ScaleSetError("bad-request", 200, `multiple runner scale sets found with name "${name}"`);
    return list.count === 1 ? list.value[0] : undefined;
  }

  async getRunnerScaleSetById(id: number): Promise<RunnerScaleSet | undefined> {
    try {
      return await this.expect<RunnerScaleSet>("GET", `/${SCALE_SETS}/${id}`, 200);
    } catch (e) {
      if (e instanceof ScaleSetError && e.kind === "not-found") return undefined;
      throw e;
    }
  }

  /** Labels default to the set's name, typed System where no type is given (ensureLabels, applyDefaultLabelTypes). */
  private withLabels(set: Omit<RunnerScaleSet, "id" | "statistics">): Omit<RunnerScaleSet, "id" | "statistics"> {
    const labels = set.labels.length > 0 ? set.labels : [{ type: "System" as const, name: set.name }];
    return { ...set, labels: labels.map((l) => ({ ...l, type: l.type || "System" })) };
  }

  createRunnerScaleSet(set: Omit<RunnerScaleSet, "id" | "statistics">): Promise<RunnerScaleSet> {
    return this.expect("POST", `/${SCALE_SETS}`, 200, this.withLabels(set));
  }

  updateRunnerScaleSet(id: number, set: Omit<RunnerScaleSet, "id" | "statistics">): Promise<RunnerScaleSet> {
    return this.expect("PATCH", `/${SCALE_SETS}/${id}`, 200, this.withLabels(set));
  }

  async deleteRunnerScaleSet(id: number): Promise<void> {
    await this.expect("DELETE", `/${SCALE_SETS}/${id}`, 204);
  }

  generateJitRunnerConfig(scaleSetId: number, setting: { name: string; workFolder: string }): Promise<JitRunnerConfig> {
    return this.expect("POST", `/${SCALE_SETS}/${scaleSetId}/generatejitconfig`, 200, setting);
  }

  async getRunner(runnerId: number): Promise<RunnerReference | undefined> {
    try {
      return await this.expect<RunnerReference>("GET", `/${RUNNERS}/${runnerId}`, 200);
    } catch (e) {
      if (e instanceof ScaleSetError && e.kind === "not-found") return undefined;
      throw e;
    }
  }

  async getRunnerByName(name: string): Promise<RunnerReference | undefined> {
    const list = await this.expect<{ count: number; value: RunnerReference[] }>("GET", `/${RUNNERS}?agentName=${encodeURIComponent(name)}`, 200);
    if (list.count > 1) throw new ScaleSetError("bad-request", 200, `multiple runners found with name "${name}"`);
    return list.count === 1 ? list.value[0] : undefined;
  }

  async removeRunner(runnerId: number): Promise<void> {
    await this.expect("DELETE", `/${RUNNERS}/${runnerId}`, 204);
  }

  async openSession(scaleSetId: number, owner: string): Promise<MessageSession> {
    const { url, res } = await this.service("POST", `/${SCALE_SETS}/${scaleSetId}/sessions`, { ownerName: owner });
    if (res.status === 409) throw scaleSetError("POST", url, res, "session-conflict");
    if (res.status !== 200) throw scaleSetError("POST", url, res);
    const session = json(res.body) as RunnerScaleSetSession;
    this.secret(session.messageQueueAccessToken);
    return new HttpMessageSession(this, scaleSetId, session);
  }

  /** For the session: report a new queue token. */
  secret(token: string | undefined): void {
    if (token) this.opts.onSecret?.(token);
  }

  async deleteSession(scaleSetId: number, sessionId: string): Promise<void> {
    const { url, res } = await this.service("DELETE", `/${SCALE_SETS}/${scaleSetId}/sessions/${encodeURIComponent(sessionId)}`);
    if (res.status !== 204 && res.status !== 404) throw scaleSetError("DELETE", url, res);
  }

  /** For the session: the same plumbing, exposed only inside this module. */
  request(method: string, path: string, body?: unknown, bearer?: string): Promise<{ url: string; res: HttpResponse }> {
    return this.service(method, path, body, bearer);
  }

  queue(url: string, init: RequestInit, maxWaitMs?: number): Promise<HttpResponse> {
    const limit = this.opts.pollTimeoutMs ?? 70_000;
    return send(
      this.http,
      url,
      { ...init, headers: { ...(init.headers as Record<string, string>), "User-Agent": this.userAgent } },
      maxWaitMs === undefined ? { timeoutMs: limit } : { timeoutMs: Math.max(1, Math.min(limit, maxWaitMs)), timeoutIsNoContent: true },
    );
  }
}

/**
 * One message session (session_client.go). A 401 from the queue means its token expired: the
 * session is refreshed (PATCH) and the call made once more; a session the service no longer knows
 * (404 on refresh) is "session-expired", and the listener opens a new one.
 */
class HttpMessageSession implements MessageSession {
  constructor(
    private readonly client: HttpScaleSetClient,
    private readonly scaleSetId: number,
    public session: RunnerScaleSetSession,
  ) {}

  private async refresh(): Promise<void> {
    const { url, res } = await this.client.request("PATCH", `/${SCALE_SETS}/${this.scaleSetId}/sessions/${this.session.sessionId}`);
    if (res.status === 404 || res.status === 410) throw scaleSetError("PATCH", url, res, "session-expired");
    if (res.status !== 200) throw scaleSetError("PATCH", url, res);
    this.session = json(res.body) as RunnerScaleSetSession;
    this.client.secret(this.session.messageQueueAccessToken);
  }

  private async once<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof ScaleSetError && e.kind === "message-queue-token-expired")) throw e;
      await this.refresh();
      return call();
    }
  }

  getMessage(lastMessageId: number, maxCapacity: number, maxWaitMs?: number): Promise<RunnerScaleSetMessage | undefined> {
    return this.once(async () => {
      const url = new URL(this.session.messageQueueUrl);
      if (lastMessageId > 0) url.searchParams.set("lastMessageId", String(lastMessageId));
      const res = await this.client.queue(url.href, {
        method: "GET",
        headers: { Accept: "application/json; api-version=6.0-preview", Authorization: `Bearer ${this.session.messageQueueAccessToken}`, [MAX_CAPACITY_HEADER]: String(maxCapacity) },
      }, maxWaitMs);
      if (res.status === 202) return undefined;
      if (res.status === 200) return parseMessage(res.body);
      if (res.status === 401) throw scaleSetError("GET", url.href, res, "message-queue-token-expired");
      if (res.status === 404 || res.status === 410) throw scaleSetError("GET", url.href, res, "session-expired");
      throw scaleSetError("GET", url.href, res);
    });
  }

  deleteMessage(messageId: number): Promise<void> {
    return this.once(async () => {
      const url = new URL(this.session.messageQueueUrl);
      url.pathname = `${url.pathname}/${messageId}`;
      const res = await this.client.queue(url.href, { method: "DELETE", headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.session.messageQueueAccessToken}` } });
      if (res.status === 204) return;
      if (res.status === 401) throw scaleSetError("DELETE", url.href, res, "message-queue-token-expired");
      throw scaleSetError("DELETE", url.href, res);
    });
  }

  acquireJobs(requestIds: number[]): Promise<number[]> {
    return this.once(async () => {
      const { url, res } = await this.client.request("POST", `/${SCALE_SETS}/${this.scaleSetId}/acquirejobs`, requestIds, this.session.messageQueueAccessToken);
      if (res.status === 401) throw scaleSetError("POST", url, res, "message-queue-token-expired");
      if (res.status !== 200) throw scaleSetError("POST", url, res);
      return (json(res.body) as { value: number[] }).value;
    });
  }

  close(): Promise<void> {
    return this.client.deleteSession(this.scaleSetId, this.session.sessionId);
  }
}
