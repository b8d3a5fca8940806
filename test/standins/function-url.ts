import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { verifySigV4, type Key } from "./sigv4-verify";
import type { StandinIam } from "../helpers/standin-iam";

/**
 * A Lambda function URL with AuthType AWS_IAM (Lambda Developer Guide, "Lambda function URLs":
 * security and auth model; "Invoking Lambda function URLs": request and response payloads), on
 * 127.0.0.1. It verifies SigV4 (service lambda, the URL's region, a key AWS knows with its session
 * token, x-amz-date within 5 minutes), then authorises the caller's role session as Lambda does
 * for an AWS_IAM URL ("Control access to Lambda function URLs"): lambda:InvokeFunctionUrl with
 * lambda:FunctionUrlAuthType = AWS_IAM, and, for URLs made since October 2025, lambda:InvokeFunction
 * with lambda:InvokedViaFunctionUrl = true, each evaluated on the caller's identity policies and the
 * function's resource policy as the program renders them (test/helpers/standin-iam.ts). Anything
 * else gets 403 {"Message":"Forbidden"}, as a function URL answers; a verified call becomes a payload-2.0 event whose
 * requestContext.authorizer.iam names the caller's role session, and the handler's result is
 * turned into the HTTP answer by the same rules Lambda applies. Any `(event) => Promise<result>`
 * plugs in: the broker double in tests today, the control plane's real handler later.
 */
export interface FunctionUrlEvent {
  version: "2.0";
  routeKey: "$default";
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    requestId: string;
    routeKey: "$default";
    stage: "$default";
    time: string;
    timeEpoch: number;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    authorizer: {
      iam: { accessKey: string; accountId: string; callerId: string; cognitoIdentity: null; principalOrgId: null; userArn: string; userId: string };
    };
  };
}

export interface FunctionUrlResult {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export type FunctionUrlHandler = (event: FunctionUrlEvent) => Promise<unknown>;

/** A role session AWS knows: an instance's role credentials (assumed-role/<role>/<instance-id>). */
export interface Principal extends Key {
  sessionToken: string;
  accountId: string;
  role: string;
  /** The session name; for an EC2 instance role, the instance id. */
  session: string;
}

export interface FunctionUrl {
  url: string;
  region: string;
  /** Every call that reached the handler. */
  events: FunctionUrlEvent[];
  /** Every refusal before the handler, with why (AWS says only "Forbidden"). */
  refused: string[];
  /** Principals AWS knows; tests add or remove them at will. */
  principals: Principal[];
  handler: FunctionUrlHandler;
  close(): Promise<void>;
}

const roleIds = new Map<string, string>();
function roleId(role: string): string {
  let id = roleIds.get(role);
  if (!id) roleIds.set(role, (id = `AROA${randomBytes(8).toString("hex").toUpperCase()}`));
  return id;
}

/** Lambda's mapping of a handler's result to the HTTP response (payload format 2.0). */
export function httpAnswer(result: unknown): { status: number; headers: Record<string, string>; body: string } {
  if (result !== null && typeof result === "object" && "statusCode" in result) {
    const r = result as FunctionUrlResult;
    const body = r.body === undefined ? "" : r.isBase64Encoded ? Buffer.from(r.body, "base64").toString() : r.body;
    return { status: r.statusCode ?? 200, headers: r.headers ?? {}, body };
  }
  if (result === undefined) return { status: 200, headers: {}, body: "" };
  return { status: 200, headers: { "content-type": "application/json" }, body: typeof result === "string" ? result : JSON.stringify(result) };
}

/**
 * Lambda's two checks for a call through an AWS_IAM function URL; a refusal reason, or undefined
 * when both allow. Within one account the caller's identity policy or the function's policy (when
 * it has one) may allow (Lambda's urls-auth guide).
 */
export async function authorizeUrlCall(iam: StandinIam, who: Principal, partition = "aws"): Promise<string | undefined> {
  const principal = `arn:${partition}:sts::${who.accountId}:assumed-role/${who.role}/${who.session}`;
  const context = { "lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true", "lambda:FunctionArn": iam.brokerArn };
  for (const action of ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]) {
    const d = await iam.authorize({ principal, action, resource: iam.brokerArn, context }, iam.brokerPolicy);
    if (!d.allowed) return `AccessDeniedException: ${principal} is not authorized to perform ${action} on ${iam.brokerArn} (${d.reason})`;
  }
  return undefined;
}

export async function startFunctionUrl(o: { region: string; handler: FunctionUrlHandler; iam: StandinIam; principals?: Principal[]; now?: () => number }): Promise<FunctionUrl> {
  const urlId = randomBytes(16).toString("hex");
  const fu: FunctionUrl = { url: "", region: o.region, events: [], refused: [], principals: o.principals ?? [], handler: o.handler, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const forbid = (reason: string): void => {
        fu.refused.push(reason);
        res.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "AccessDeniedException" });
        res.end(JSON.stringify({ Message: "Forbidden" }));
      };
      const verdict = verifySigV4(
        { method: req.method ?? "", url: req.url ?? "/", rawHeaders: req.rawHeaders, body },
        { region: o.region, service: "lambda", key: (id) => fu.principals.find((p) => p.accessKeyId === id), now: o.now?.() },
      );
      if (!verdict.ok) return forbid(verdict.reason);
      const who = fu.principals.find((p) => p.accessKeyId === verdict.accessKeyId)!;
      const denied = await authorizeUrlCall(o.iam, who);
      if (denied) return forbid(denied);
      const url = new URL(req.url ?? "/", "http://x");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
      const now = o.now?.() ?? Date.now();
      const text = body.toString("utf8");
      const binary = !/^(application\/json|text\/|application\/x-www-form-urlencoded)/.test(headers["content-type"] ?? "text/plain");
      const event: FunctionUrlEvent = {
        version: "2.0",
        routeKey: "$default",
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ""),
        headers,
        ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
        ...(body.length > 0 ? { body: binary ? body.toString("base64") : text } : {}),
        isBase64Encoded: body.length > 0 && binary,
        requestContext: {
          accountId: who.accountId,
          apiId: urlId,
          domainName: `${urlId}.lambda-url.${o.region}.on.aws`,
          domainPrefix: urlId,
          requestId: randomUUID(),
          routeKey: "$default",
          stage: "$default",
          time: new Date(now).toUTCString(),
          timeEpoch: now,
          http: { method: req.method ?? "", path: url.pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: headers["user-agent"] ?? "" },
          authorizer: {
            iam: {
              accessKey: who.accessKeyId,
              accountId: who.accountId,
              callerId: `${roleId(who.role)}:${who.session}`,
              cognitoIdentity: null,
              principalOrgId: null,
              userArn: `arn:aws:sts::${who.accountId}:assumed-role/${who.role}/${who.session}`,
              userId: `${roleId(who.role)}:${who.session}`,
            },
          },
        },
      };
      fu.events.push(event);
      fu.handler(event).then(
        (result) => {
          const a = httpAnswer(result);
          res.writeHead(a.status, a.headers);
          res.end(a.body);
        },
        () => {
          // An unhandled error in the function: Lambda answers 502 with no detail.
          res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ Message: "Internal Server Error" }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fu.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  fu.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fu;
}
