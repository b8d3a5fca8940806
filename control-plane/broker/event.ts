/**
 * Lambda function URL events, payload format 2.0, as AWS documents them ("Invoking Lambda function
 * URLs": request and response payloads). Only what the broker reads is typed; with AWS_IAM auth
 * Lambda fills requestContext.authorizer.iam from the SigV4-verified caller.
 */
export interface FunctionUrlEvent {
  version: "2.0";
  rawPath: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    requestId: string;
    /** Milliseconds since the epoch when AWS received the request. */
    timeEpoch: number;
    http: { method: string; path: string; sourceIp: string; userAgent?: string };
    authorizer?: {
      iam?: {
        accessKey?: string;
        accountId?: string;
        callerId?: string;
        userArn?: string;
        userId?: string;
        principalOrgId?: string | null;
        cognitoIdentity?: unknown;
      };
    };
  };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export function isFunctionUrlEvent(e: unknown): e is FunctionUrlEvent {
  if (!e || typeof e !== "object") return false;
  const rc = (e as { requestContext?: { http?: unknown } }).requestContext;
  return (e as { version?: unknown }).version === "2.0" && !!rc && typeof rc === "object" && !!rc.http && typeof rc.http === "object";
}
