import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { GitHubRateLimits } from "./rate-limits";
import type { AddressInfo } from "node:net";
import type { RunnerScaleSet, RunnerScaleSetStatistic } from "../../control-plane/scaleset/api";
import { labelsMatch } from "../../protocol/labels";
import { ScopeAuth, type StandinApp } from "./scaleset-github-auth";
import { instanceHost, isHostedHost, parseScope, scopeServes, type StandinScope } from "./scaleset-scope";

/**
 * The runner scale set service on 127.0.0.1, after actions/scaleset 0.4.0's client and its
 * internal/testserver, and at least as strict: every route checks its Authorization scheme and
 * token (Bearer GitHub token for the registration token, RemoteAuth for the admin connection, the
 * admin JWT on the actions service, the session's queue token on the queue and acquirejobs),
 * `api-version=6.0-preview`, bodies, and answers with the reference's status codes: 201 for the two
 * GitHub calls, 200 / 204 on the service, 202 when the long-poll finds no message, 409 for a second
 * session, 401 for an expired queue token, 404 for unknown scale sets, sessions and runners. Errors
 * carry `{typeName, message}` as the service's exceptions do. Messages stay until deleted (acked).
 *
 * Jobs are submitted as a workflow writes them, by `runs-on`, never by set id, and routed as GitHub
 * routes (DESIGN.md §4): a job is offered to a set only when every label it asks for is among the
 * labels the set was created with (protocol/labels.ts labelsMatch), and only within what the set's
 * runner group allows (visibility, selected repositories, public repositories, selected workflows:
 * GitHub's REST runner-group fields). Labels are fixed at creation: a PATCH shows new labels but
 * matches as before (ARC #4424). A GHES without custom scale-set labels (before 3.18, or 3.18-3.20
 * without DistributedTask.AllowRunnerScaleSetCustomLabels) keeps only the name, silently
 * (actions/scaleset README). A job nothing matches stays queued, and is offered when a matching set
 * is created, as GitHub holds it; with two matching sets, either may get it.
 *
 * One service, many scopes (enterprise, organisation, repository), each a world of its own as the
 * service keeps them: its runner groups, scale sets, runners, sessions, its own actions-service
 * tenant (`/tenant/<n>/`) and admin token. Every scope a test uses is declared (`scopes`), and the
 * config URL is always checked, read as actions/scaleset's config.go reads it
 * (test/standins/scaleset-scope.ts). A registration token or admin token works only for the scope
 * it was issued for; an App installation token only for its installation's account, with the
 * permission GitHub's REST reference names (test/standins/scaleset-github-auth.ts, with the status
 * and body GitHub gives for each refusal). A name lookup, a set id, a runner id or name from
 * another scope finds nothing here; a scale set gets jobs only from repositories its scope covers.
 */

type JobState = "queued" | "available" | "acquired" | "running" | "completed";
/** Go's zero time: how the service's messages say a step has not happened yet. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

export interface Job {
  requestId: number;
  /** Unset while no set matches the job (state "queued"). */
  scaleSetId: number | undefined;
  runsOn: string[];
  repository: string;
  workflowRef: string;
  jobId: string;
  state: JobState;
  runnerId?: number;
  /** GitHub's timestamps of the job, carried in every message about it (Go's zero time until set). */
  queuedAt: string;
  assignedAt?: string;
  runnerAssignedAt?: string;
  finishedAt?: string;
}
interface Runner {
  id: number;
  name: string;
  /** The scope (world key) the runner is registered in. */
  world: string;
  scaleSetId: number;
  busy: boolean;
  jitConfig: string;
}
interface Session {
  id: string;
  scaleSetId: number;
  owner: string;
  queueToken: string;
}
interface Message {
  id: number;
  scaleSetId: number;
  body: unknown[];
  statistics: RunnerScaleSetStatistic;
  deleted: boolean;
}
interface Failure {
  match: RegExp;
  status: number;
  headers: Record<string, string>;
  times: number;
}

/** A runner group with the access rules of GitHub's REST runner-group API (runner-groups-org). */
export interface StandinRunnerGroup {
  id: number;
  name: string;
  isDefaultGroup: boolean;
  /** "all" (default), "selected" (only selectedRepositories) or "private" (private repositories only). */
  visibility?: "all" | "selected" | "private";
  /** Full names (owner/repo) for visibility "selected" (the API takes ids; names read better in tests). */
  selectedRepositories?: string[];
  /** GitHub's default is false: public repositories' jobs are not run. */
  allowsPublicRepositories?: boolean;
  restrictedToWorkflows?: boolean;
  /** `owner/repo/.github/workflows/file.yml@ref`, compared with the job's workflow ref. */
  selectedWorkflows?: string[];
}

/** A job as a workflow run queues it. */
export interface JobSubmission {
  /** The job's runs-on: one label or several, all of which the set must carry. */
  runsOn: string | string[];
  /** owner/repo; default acme/widgets. */
  repository?: string;
  public?: boolean;
  /** Default `<repository>/.github/workflows/ci.yml@refs/heads/main`. */
  workflowRef?: string;
}

/** A scope the service serves, with what belongs to it. */
export interface StandinScopeDeclaration {
  /** A config URL on this GitHub, or its path ("acme", "acme/widgets", "enterprises/big"). */
  url: string;
  /** This scope's runner groups; default the stand-in's `runnerGroups`. */
  runnerGroups?: StandinRunnerGroup[];
  /** Enterprise scopes: the organisations in the enterprise, whose repositories its sets serve. */
  organizations?: string[];
}

export interface ScaleSetStandinOptions {
  /**
   * Every scope this service serves: organisation, repository or enterprise config URLs (or their
   * paths on this GitHub). Anything else is unknown to it, as an organisation that does not exist is.
   */
  scopes: (string | StandinScopeDeclaration)[];
  /** Personal access tokens of an admin of every declared scope, for the registration-token call. */
  githubTokens: string[];
  /** Runner groups of each scope that declares none; default one "Default" group (id 1). */
  runnerGroups?: StandinRunnerGroup[];
  /** A GitHub Enterprise Server of this version; unset: github.com. */
  ghes?: { version: string; customLabelsFlag?: boolean };
  /** How long a long-poll waits for a message before answering 202. */
  pollMs?: number;
  adminTokenTtlMs?: number;
  /**
   * GitHub Apps whose installation tokens (POST /app/installations/:id/access_tokens, RS256 app JWT)
   * are accepted, each installed on one account (organisation) with its repositories and permissions
   * (default all repositories, organization_self_hosted_runners: write).
   */
  apps?: StandinApp[];
  /** Start JSON bodies with a UTF-8 BOM, as the service sometimes does. */
  bom?: boolean;
  /**
   * GitHub's limits for the one credential behind every token here (test/standins/rate-limits.ts),
   * on the REST calls and the service's admin calls (scale sets, groups, runners, JIT configs).
   * The message-session protocol (sessions, the queue, acquirejobs) is not REST and is left out.
   */
  rateLimits?: GitHubRateLimits;
}

export interface RequestRecord {
  method: string;
  path: string;
  auth: string;
  status: number;
  maxCapacity?: string;
}

export interface ScaleSetStandin {
  url: string;
  /** The GitHub web root config URLs live under: https://github.com, or the GHES's own address. */
  web: string;
  /** The config URL of a path on this GitHub ("acme", "acme/widgets", "enterprises/big"). */
  configUrl(path: string): string;
  /** configUrl(org). */
  orgUrl(org: string): string;
  requests: RequestRecord[];
  /** Every scale set, or those of one scope (its config URL or path). */
  scaleSets(scope?: string): RunnerScaleSet[];
  /** Queues a job by its runs-on; routed to a matching set now, or when one is created. */
  submitJob(job: JobSubmission): Job;
  startJob(requestId: number, runnerName: string): void;
  completeJob(requestId: number): void;
  statistics(scaleSetId: number): RunnerScaleSetStatistic;
  runners(scaleSetId?: number): Runner[];
  jobs(scaleSetId?: number): Job[];
  sessions(): Session[];
  expireSession(scaleSetId: number): void;
  expireQueueToken(scaleSetId: number): void;
  expireAdminToken(): void;
  failNext(match: RegExp, status: number, times?: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString("base64url");
}

/** One scope's world: what the service keeps for it, behind its own tenant. */
interface World {
  scope: StandinScope;
  tenant: number;
  groups: StandinRunnerGroup[];
  organizations: string[];
}

export async function startScaleSetStandin(opts: ScaleSetStandinOptions): Promise<ScaleSetStandin> {
  const secret = randomBytes(32);
  const pollMs = opts.pollMs ?? 200;
  const worlds = new Map<string, World>();
  const sets = new Map<number, RunnerScaleSet>();
  /** The world each set belongs to. */
  const setWorld = new Map<number, World>();
  /** What each set matches: its labels as created (GHES may have dropped some), never a later PATCH. */
  const matchLabels = new Map<number, string[]>();
  const publicRepos = new Set<string>();
  const jobs = new Map<number, Job>();
  const runners = new Map<number, Runner>();
  const sessions = new Map<string, Session>();
  const messages: Message[] = [];
  /** Admin tokens: the world (tenant) they were issued for. */
  const adminTokens = new Map<string, World>();
  const failures: Failure[] = [];
  const requests: RequestRecord[] = [];
  const waiters = new Set<() => void>();
  let seq = { set: 0, job: 1000, runner: 0, message: 0 };
  let base = "";
  let web = "";
  /** The GitHub this service stands for: github.com, or the GHES at the stand-in's own address. */
  let host = "";

  const worldOf = (configUrl: string): World | undefined => {
    const scope = parseScope(configUrl);
    return "error" in scope || scope.host !== host ? undefined : worlds.get(scope.key);
  };
  const worldOfTenant = (tenant: number): World | undefined => [...worlds.values()].find((w) => w.tenant === tenant);
  const scopeAuth = new ScopeAuth<World>({
    apps: opts.apps ?? [],
    githubTokens: opts.githubTokens,
    host: () => host,
    worlds,
    worldOf,
    connect: (world) => ({ url: `${base}/tenant/${world.tenant}/`, token: adminJwt(world) }),
  });

  const adminJwt = (world: World) => {
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify({ iat: now, exp: now + Math.floor((opts.adminTokenTtlMs ?? 3_600_000) / 1000), iss: "standin", tenant: world.tenant }));
    const sig = b64url(createHmac("sha256", secret).update(`${head}.${body}`).digest());
    const t = `${head}.${body}.${sig}`;
    adminTokens.set(t, world);
    return t;
  };
  const validAdmin = (t: string, world: World) => {
    if (adminTokens.get(t) !== world) return false;
    const exp = (JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
    return exp * 1000 > Date.now();
  };

  const stats = (scaleSetId: number): RunnerScaleSetStatistic => {
    const js = [...jobs.values()].filter((j) => j.scaleSetId === scaleSetId);
    const rs = [...runners.values()].filter((r) => r.scaleSetId === scaleSetId);
    return {
      totalAvailableJobs: js.filter((j) => j.state === "available").length,
      totalAcquiredJobs: js.filter((j) => j.state === "acquired").length,
      totalAssignedJobs: js.filter((j) => j.state === "acquired" || j.state === "running").length,
      totalRunningJobs: js.filter((j) => j.state === "running").length,
      totalRegisteredRunners: rs.length,
      totalBusyRunners: rs.filter((r) => r.busy).length,
      totalIdleRunners: rs.filter((r) => !r.busy).length,
    };
  };
  const post = (scaleSetId: number, body: unknown[]) => {
    messages.push({ id: ++seq.message, scaleSetId, body, statistics: stats(scaleSetId), deleted: false });
    for (const w of waiters) w();
  };
  /** GHES registers extra labels from 3.18 with the flag, by default from 3.21 (actions/scaleset README). */
  const customLabels = (): boolean => {
    if (!opts.ghes) return true;
    const [major = 0, minor = 0] = opts.ghes.version.split(".").map(Number);
    const v = major * 1000 + minor;
    return v >= 3021 || (v >= 3018 && opts.ghes.customLabelsFlag === true);
  };
  // selected_workflows takes `…@main` or `…@refs/heads/main`: compare them as one.
  const workflowKey = (ref: string) => ref.replace(/@refs\/(heads|tags)\//, "@");
  const groupAllows = (world: World, groupId: number, j: Job): boolean => {
    const g = world.groups.find((x) => x.id === groupId);
    if (!g) return false;
    const isPublic = publicRepos.has(j.repository);
    if (isPublic && !g.allowsPublicRepositories) return false;
    const visibility = g.visibility ?? "all";
    if (visibility === "private" && isPublic) return false;
    if (visibility === "selected" && !(g.selectedRepositories ?? []).some((r) => r.toLowerCase() === j.repository.toLowerCase())) return false;
    if (g.restrictedToWorkflows && !(g.selectedWorkflows ?? []).some((w) => workflowKey(w) === workflowKey(j.workflowRef))) return false;
    return true;
  };
  /** Offers a queued job to one set that matches it, if any: either of several may get it. */
  const route = (j: Job): void => {
    const fits = [...sets.values()].filter((x) => {
      const world = setWorld.get(x.id)!;
      return scopeServes(world.scope, j.repository, world.organizations) && labelsMatch(j.runsOn, matchLabels.get(x.id) ?? []) && groupAllows(world, x.runnerGroupId, j);
    });
    const to = fits[Math.floor(Math.random() * fits.length)];
    if (!to) return;
    j.scaleSetId = to.id;
    j.state = "available";
    j.assignedAt = new Date().toISOString();
    post(to.id, [{ ...jobMessage("JobAvailable", j), acquireJobUrl: `${base}/tenant/${setWorld.get(to.id)!.tenant}/_apis/runtime/runnerscalesets/${to.id}/acquirejobs` }]);
  };

  const jobMessage = (type: string, j: Job, extra: Record<string, unknown> = {}) => ({
    messageType: type,
    runnerRequestId: j.requestId,
    repositoryName: j.repository.split("/")[1] ?? "",
    ownerName: j.repository.split("/")[0] ?? "",
    jobId: j.jobId,
    jobWorkflowRef: j.workflowRef,
    jobDisplayName: "build",
    workflowRunId: 1,
    eventName: "push",
    requestLabels: j.runsOn,
    queueTime: j.queuedAt,
    scaleSetAssignTime: j.assignedAt ?? ZERO_TIME,
    runnerAssignTime: j.runnerAssignedAt ?? ZERO_TIME,
    finishTime: j.finishedAt ?? ZERO_TIME,
    ...extra,
  });

  const server = createServer((req, res) => void handle(req, res));
  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const auth = req.headers.authorization ?? "";
    const record: RequestRecord = { method: req.method ?? "", path: url.pathname, auth: auth.split(" ")[0] ?? "", status: 0 };
    const maxCap = req.headers["x-scalesetmaxcapacity"];
    if (typeof maxCap === "string") record.maxCapacity = maxCap;
    requests.push(record);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { ...(body === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }), ActivityId: randomUUID(), ...headers });
      res.end(body === undefined ? undefined : `${opts.bom ? "\uFEFF" : ""}${JSON.stringify(body)}`);
    };
    const fail = (status: number, typeName: string, message: string) => send(status, { typeName, message });
    const injected = failures.find((f) => f.times > 0 && f.match.test(`${req.method} ${url.pathname}`));
    if (injected) {
      injected.times--;
      return send(injected.status, { typeName: "InjectedFailure", message: `injected ${injected.status}` }, injected.headers);
    }
    const limited = opts.rateLimits && (url.pathname.startsWith("/api/v3/") || (/^\/tenant\/\d+\//.test(url.pathname) && !/\/(sessions|acquirejobs)(\/|$)/.test(url.pathname)));
    if (limited) {
      const admitted = opts.rateLimits!.enter(req.method ?? "GET", url.pathname);
      if (!admitted.ok) return send(admitted.status, admitted.body, admitted.headers);
      res.on("close", admitted.leave);
    }
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return fail(400, "ArgumentException", "body is not JSON");
      }
    }
    const p = url.pathname;

    // GitHub: an App's installation token, a scope's registration token, the scope's admin connection.
    const github = scopeAuth.handle(req.method ?? "", p, auth, body);
    if (github) return send(github.status, github.body);

    // The message queue: the session's token.
    let m = /^\/queue\/([0-9a-f-]+)(?:\/(\d+))?$/.exec(p);
    if (m) {
      const s = sessions.get(m[1]!);
      if (!s) return fail(404, "TaskAgentSessionExpiredException", "session not found");
      if (auth !== `Bearer ${s.queueToken}`) return send(401, undefined);
      if (m[2] !== undefined) {
        if (req.method !== "DELETE") return fail(405, "MethodNotAllowed", "DELETE only");
        const msg = messages.find((x) => x.id === Number(m![2]) && x.scaleSetId === s.scaleSetId);
        if (!msg) return fail(404, "MessageNotFoundException", "no such message");
        msg.deleted = true;
        return send(204);
      }
      if (req.method !== "GET") return fail(405, "MethodNotAllowed", "GET only");
      if (!/api-version=6\.0-preview/.test(String(req.headers.accept ?? ""))) return fail(400, "ArgumentException", "Accept must carry api-version=6.0-preview");
      if (typeof maxCap !== "string" || !/^\d+$/.test(maxCap)) return fail(400, "ArgumentException", "X-ScaleSetMaxCapacity is required");
      // Stricter than lastMessageId: a message comes back until it is deleted, whatever the client saw.
      const next = () => messages.find((x) => x.scaleSetId === s.scaleSetId && !x.deleted);
      let msg = next();
      if (!msg) {
        await new Promise<void>((resolve) => {
          const w = () => {
            if (next()) done();
          };
          const done = () => {
            waiters.delete(w);
            clearTimeout(t);
            resolve();
          };
          const t = setTimeout(done, pollMs);
          waiters.add(w);
        });
        msg = next();
        if (!sessions.has(s.id)) return fail(404, "TaskAgentSessionExpiredException", "session not found");
      }
      if (!msg) return send(202);
      return send(200, { messageId: msg.id, messageType: "RunnerScaleSetJobMessages", body: JSON.stringify(msg.body), statistics: msg.statistics });
    }

    // The actions service: one tenant per scope.
    m = /^\/tenant\/(\d+)\/(.*)$/.exec(p);
    const world = m ? worldOfTenant(Number(m[1])) : undefined;
    if (!m || !world) return fail(404, "NotFound", `no route ${p}`);
    if (url.searchParams.get("api-version") !== "6.0-preview") return fail(400, "ArgumentException", "api-version=6.0-preview is required");
    const rest = m[2]!.replace(/\/+$/, "");
    /** A set of this world, or nothing: another scope's set is not found here. */
    const ownSet = (id: number) => (setWorld.get(id) === world ? sets.get(id) : undefined);
    m = /^_apis\/runtime\/runnerscalesets\/(\d+)\/acquirejobs$/.exec(rest);
    if (m) {
      const s = ownSet(Number(m[1])) && [...sessions.values()].find((x) => x.scaleSetId === Number(m![1]));
      if (!s || auth !== `Bearer ${s.queueToken}`) return send(401, undefined);
      if (!Array.isArray(body) || !body.every((x) => typeof x === "number")) return fail(400, "ArgumentException", "a JSON array of request ids");
      const got = (body as number[]).filter((id) => jobs.get(id)?.state === "available" && jobs.get(id)?.scaleSetId === s.scaleSetId);
      for (const id of got) jobs.get(id)!.state = "acquired";
      if (got.length > 0) post(s.scaleSetId, got.map((id) => jobMessage("JobAssigned", jobs.get(id)!)));
      return send(200, { count: got.length, value: got });
    }
    // An admin token of another scope is no admin token here.
    if (!auth.startsWith("Bearer ") || !validAdmin(auth.slice(7), world)) return send(401, { typeName: "VssUnauthorizedException", message: "admin token required" });

    if (rest === "_apis/runtime/runnergroups") {
      const name = url.searchParams.get("groupName") ?? "";
      const hit = world.groups.filter((g) => g.name.toLowerCase() === name.toLowerCase());
      return send(200, { count: hit.length, value: hit });
    }
    if (rest === "_apis/runtime/runnerscalesets") {
      const own = [...sets.values()].filter((x) => setWorld.get(x.id) === world);
      if (req.method === "GET") {
        const hit = own.filter((x) => x.runnerGroupId === Number(url.searchParams.get("runnerGroupId")) && x.name === url.searchParams.get("name"));
        return send(200, { count: hit.length, value: hit });
      }
      if (req.method !== "POST") return fail(405, "MethodNotAllowed", "GET or POST");
      const b = body as Partial<RunnerScaleSet> | undefined;
      if (!b?.name || !b.runnerGroupId || !Array.isArray(b.labels) || b.labels.length === 0) return fail(400, "ArgumentException", "name, runnerGroupId and labels are required");
      if (own.some((x) => x.name === b.name && x.runnerGroupId === b.runnerGroupId)) return fail(409, "RunnerScaleSetExistsException", `scale set ${b.name} exists`);
      const group = world.groups.find((g) => g.id === b.runnerGroupId);
      if (!group) return fail(400, "RunnerGroupNotFoundException", `no runner group ${b.runnerGroupId}`);
      // Without custom labels GHES keeps the name as the only label, and says nothing.
      const labels = customLabels() ? b.labels : [{ type: "System" as const, name: b.name }];
      const created: RunnerScaleSet = { id: ++seq.set, name: b.name, runnerGroupId: b.runnerGroupId, runnerGroupName: group.name, labels, RunnerSetting: b.RunnerSetting ?? {} };
      sets.set(created.id, created);
      setWorld.set(created.id, world);
      matchLabels.set(created.id, labels.map((l) => l.name));
      for (const j of jobs.values()) if (j.state === "queued") route(j);
      return send(200, { ...created, statistics: stats(created.id) });
    }
    m = /^_apis\/runtime\/runnerscalesets\/(\d+)(\/.*)?$/.exec(rest);
    if (m) {
      const set = ownSet(Number(m[1]));
      if (!set) return fail(404, "RunnerScaleSetNotFoundException", `scale set ${m[1]} not found`);
      const sub = m[2] ?? "";
      if (sub === "") {
        if (req.method === "GET") return send(200, { ...set, statistics: stats(set.id) });
        if (req.method === "PATCH") {
          const b = (body ?? {}) as Partial<RunnerScaleSet>;
          if (b.runnerGroupId && !world.groups.some((g) => g.id === b.runnerGroupId)) return fail(400, "RunnerGroupNotFoundException", `no runner group ${b.runnerGroupId}`);
          Object.assign(set, { ...(b.name ? { name: b.name } : {}), ...(b.labels ? { labels: b.labels } : {}), ...(b.runnerGroupId ? { runnerGroupId: b.runnerGroupId } : {}), ...(b.RunnerSetting ? { RunnerSetting: b.RunnerSetting } : {}) });
          return send(200, { ...set, statistics: stats(set.id) });
        }
        if (req.method === "DELETE") {
          sets.delete(set.id);
          setWorld.delete(set.id);
          matchLabels.delete(set.id);
          for (const [k, s] of sessions) if (s.scaleSetId === set.id) sessions.delete(k);
          // Jobs offered to it and not yet taken wait for another set that matches.
          for (const j of jobs.values()) {
            if (j.scaleSetId !== set.id || j.state !== "available") continue;
            j.scaleSetId = undefined;
            j.state = "queued";
            route(j);
          }
          return send(204);
        }
        return fail(405, "MethodNotAllowed", "GET, PATCH or DELETE");
      }
      if (sub === "/sessions" && req.method === "POST") {
        const b = body as { ownerName?: string } | undefined;
        if (!b?.ownerName) return fail(400, "ArgumentException", "ownerName is required");
        const live = [...sessions.values()].find((s) => s.scaleSetId === set.id);
        if (live) return fail(409, "TaskAgentSessionConflictException", `the scale set already has a session owned by ${live.owner}`);
        const s: Session = { id: randomUUID(), scaleSetId: set.id, owner: b.ownerName, queueToken: randomBytes(16).toString("hex") };
        sessions.set(s.id, s);
        return send(200, { sessionId: s.id, ownerName: s.owner, runnerScaleSet: set, messageQueueUrl: `${base}/queue/${s.id}`, messageQueueAccessToken: s.queueToken, statistics: stats(set.id) });
      }
      const sm = /^\/sessions\/([0-9a-f-]+)$/.exec(sub);
      if (sm) {
        const s = sessions.get(sm[1]!);
        if (!s || s.scaleSetId !== set.id) return fail(404, "TaskAgentSessionExpiredException", "session not found");
        if (req.method === "PATCH") {
          s.queueToken = randomBytes(16).toString("hex");
          return send(200, { sessionId: s.id, ownerName: s.owner, runnerScaleSet: set, messageQueueUrl: `${base}/queue/${s.id}`, messageQueueAccessToken: s.queueToken, statistics: stats(set.id) });
        }
        if (req.method === "DELETE") {
          sessions.delete(s.id);
          return send(204);
        }
      }
      if (sub === "/generatejitconfig" && req.method === "POST") {
        const b = body as { name?: string; workFolder?: string } | undefined;
        if (!b?.name || typeof b.workFolder !== "string") return fail(400, "ArgumentException", "name and workFolder are required");
        if (b.name.length > 64) return fail(400, "ArgumentException", "runner names are at most 64 characters");
        if ([...runners.values()].some((r) => r.world === world.scope.key && r.name === b.name)) return fail(409, "AgentExistsException", `a runner named ${b.name} exists`);
        const r: Runner = { id: ++seq.runner, name: b.name, world: world.scope.key, scaleSetId: set.id, busy: false, jitConfig: "" };
        // The runner talks to its scope's tenant, nowhere else.
        r.jitConfig = Buffer.from(JSON.stringify({ ".runner": b64url(JSON.stringify({ agentId: r.id, agentName: r.name, poolId: 0, workFolder: b.workFolder, serverUrl: `${base}/tenant/${world.tenant}/`, gitHubUrl: configUrlOf(world) })), ".credentials": b64url(JSON.stringify({ scheme: "OAuth", data: { clientId: randomUUID() } })) })).toString("base64");
        runners.set(r.id, r);
        return send(200, { runner: { id: r.id, name: r.name, runnerScaleSetId: set.id }, encodedJITConfig: r.jitConfig });
      }
      return fail(404, "NotFound", `no route ${req.method} ${rest}`);
    }
    const own = [...runners.values()].filter((r) => r.world === world.scope.key);
    if (rest === "_apis/distributedtask/pools/0/agents") {
      const hit = own.filter((r) => r.name === url.searchParams.get("agentName"));
      return send(200, { count: hit.length, value: hit.map((r) => ({ id: r.id, name: r.name, runnerScaleSetId: r.scaleSetId })) });
    }
    m = /^_apis\/distributedtask\/pools\/0\/agents\/(\d+)$/.exec(rest);
    if (m) {
      const r = own.find((x) => x.id === Number(m![1]));
      if (!r) return fail(404, "AgentNotFoundException", `runner ${m[1]} not found`);
      if (req.method === "GET") return send(200, { id: r.id, name: r.name, runnerScaleSetId: r.scaleSetId });
      if (req.method === "DELETE") {
        if (r.busy) return fail(400, "JobStillRunningException", `runner ${r.name} is running a job`);
        runners.delete(r.id);
        return send(204);
      }
    }
    return fail(404, "NotFound", `no route ${req.method} ${rest}`);
  }

  const configUrlOf = (w: World): string => {
    const s = w.scope;
    return `${web}/${s.kind === "enterprise" ? `enterprises/${s.enterprise}` : s.kind === "organization" ? s.org : `${s.org}/${s.repo}`}`;
  };
  const configUrl = (path: string) => (/^https?:\/\//.test(path) ? path : `${web}/${path.replace(/^\/+/, "")}`);

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  web = opts.ghes ? base : "https://github.com";
  host = instanceHost(new URL(web).host);
  // Every scope is declared before the first request; a declaration on another GitHub is the test's mistake.
  let tenant = 100;
  for (const d of opts.scopes) {
    const decl = typeof d === "string" ? { url: d } : d;
    const scope = parseScope(configUrl(decl.url));
    if ("error" in scope) throw new Error(`scale-set stand-in: scope ${decl.url}: ${scope.error}`);
    if (scope.host !== host) throw new Error(`scale-set stand-in: scope ${decl.url} is not on ${web} (${isHostedHost(scope.host) ? "github.com" : "a GHES"}); this stand-in is ${opts.ghes ? "a GHES" : "github.com"}`);
    if (worlds.has(scope.key)) throw new Error(`scale-set stand-in: scope ${decl.url} declared twice`);
    worlds.set(scope.key, { scope, tenant: ++tenant, groups: (decl.runnerGroups ?? opts.runnerGroups ?? [{ id: 1, name: "Default", isDefaultGroup: true }]).map((g) => ({ ...g })), organizations: decl.organizations ?? [] });
  }
  const runnerOf = (j: Job, name: string): Runner | undefined => {
    const world = j.scaleSetId === undefined ? undefined : setWorld.get(j.scaleSetId);
    return world && [...runners.values()].find((x) => x.name === name && x.world === world.scope.key);
  };
  return {
    url: base,
    web,
    configUrl,
    orgUrl: (org) => configUrl(org),
    requests,
    scaleSets(scope) {
      if (scope === undefined) return [...sets.values()];
      const w = worldOf(configUrl(scope));
      if (!w) throw new Error(`scale-set stand-in: ${scope} is no declared scope`);
      return [...sets.values()].filter((x) => setWorld.get(x.id) === w);
    },
    submitJob(sub) {
      const runsOn = typeof sub.runsOn === "string" ? [sub.runsOn] : [...sub.runsOn];
      if (runsOn.length === 0 || runsOn.some((l) => l.length === 0)) throw new Error("runs-on needs at least one non-empty label");
      const repository = sub.repository ?? "acme/widgets";
      if (!/^[^/]+\/[^/]+$/.test(repository)) throw new Error(`repository ${repository}: owner/name`);
      if (sub.public) publicRepos.add(repository);
      const workflowRef = sub.workflowRef ?? `${repository}/.github/workflows/ci.yml@refs/heads/main`;
      const j: Job = { requestId: ++seq.job, scaleSetId: undefined, runsOn, repository, workflowRef, jobId: randomUUID(), state: "queued", queuedAt: new Date().toISOString() };
      jobs.set(j.requestId, j);
      route(j);
      return j;
    },
    startJob(requestId, runnerName) {
      const j = jobs.get(requestId);
      // The job's runner is one of its set's scope: a runner of the same name elsewhere is another runner.
      const r = j && runnerOf(j, runnerName);
      if (!j || j.state !== "acquired" || !r || r.busy) throw new Error(`cannot start job ${requestId} on ${runnerName}`);
      j.state = "running";
      j.runnerAssignedAt = new Date().toISOString();
      j.runnerId = r.id;
      r.busy = true;
      post(j.scaleSetId!, [jobMessage("JobStarted", j, { runnerId: r.id, runnerName: r.name })]);
    },
    completeJob(requestId) {
      const j = jobs.get(requestId);
      if (!j || j.state === "completed" || j.scaleSetId === undefined) throw new Error(`no running job ${requestId}`);
      const r = j.runnerId === undefined ? undefined : runners.get(j.runnerId);
      j.state = "completed";
      j.finishedAt = new Date().toISOString();
      // Ephemeral JIT runners leave after their job.
      if (r) runners.delete(r.id);
      post(j.scaleSetId!, [jobMessage("JobCompleted", j, { result: "succeeded", runnerId: r?.id ?? 0, runnerName: r?.name ?? "" })]);
    },
    statistics: stats,
    runners: (id) => [...runners.values()].filter((r) => id === undefined || r.scaleSetId === id),
    jobs: (id) => [...jobs.values()].filter((j) => id === undefined || j.scaleSetId === id),
    sessions: () => [...sessions.values()],
    expireSession(scaleSetId) {
      for (const [k, s] of sessions) if (s.scaleSetId === scaleSetId) sessions.delete(k);
      for (const w of waiters) w();
    },
    expireQueueToken(scaleSetId) {
      for (const s of sessions.values()) if (s.scaleSetId === scaleSetId) s.queueToken = randomBytes(16).toString("hex");
    },
    expireAdminToken: () => adminTokens.clear(),
    failNext(match, status, times = 1, headers = {}) {
      failures.push({ match, status, headers, times });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of waiters) w();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
