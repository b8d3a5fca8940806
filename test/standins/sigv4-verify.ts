import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * An independent SigV4 verifier (AWS General Reference, "Create a signed AWS API request"), written
 * from the specification with node:crypto only, so the agent's signer (AWS SDK v3) and curl's are
 * checked by code that shares nothing with them. Header-signed requests only (no presigned query).
 */
export interface SignedRequest {
  method: string;
  /** As received: percent-encoded path and query. */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  body: Buffer;
}

export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type Verdict = { ok: true; accessKeyId: string } | { ok: false; reason: string };

const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const hmac = (key: Buffer | string, s: string): Buffer => createHmac("sha256", key).update(s).digest();

/** RFC 3986 unreserved characters stay; everything else is %XX with upper-case hex. */
export function uriEncode(s: string): string {
  return Array.from(Buffer.from(s, "utf8"))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** Non-S3 services: the normalized path, each segment encoded again (so %2F becomes %252F). */
function canonicalPath(rawPath: string): string {
  const out: string[] = [];
  for (const seg of rawPath.split("/").slice(1)) {
    if (seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  const p = `/${out.map(uriEncode).join("/")}`;
  return p.replace(/\/{2,}/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const pairs = rawQuery.split("&").filter(Boolean).map((kv) => {
    const i = kv.indexOf("=");
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, "%20"));
    return i < 0 ? [dec(kv), ""] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))];
  });
  return pairs
    .map(([k, v]) => [uriEncode(k!), uriEncode(v!)])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** x-amz-date (20250101T000000Z) as epoch ms, or NaN. */
export function amzDateMs(d: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

export interface VerifyOptions {
  region: string;
  service: string;
  /** Key lookup: the keys AWS knows (here: what the IMDS stand-in handed out). */
  key(accessKeyId: string): Key | undefined;
  now?: number;
  /** AWS refuses a request whose x-amz-date is more than 5 minutes off. */
  maxSkewMs?: number;
}

export function verifySigV4(req: SignedRequest, o: VerifyOptions): Verdict {
  const headers = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  const one = (n: string): string | undefined => headers.get(n)?.join(",");
  const auth = one("authorization");
  if (!auth) return { ok: false, reason: "MissingAuthenticationToken: no Authorization header" };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: "IncompleteSignature: malformed Authorization header" };
  const [, keyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
  if (service !== o.service) return { ok: false, reason: `credential scope service ${service}, expected ${o.service}` };
  if (region !== o.region) return { ok: false, reason: `credential scope region ${region}, expected ${o.region}` };
  const key = o.key(keyId);
  if (!key) return { ok: false, reason: "UnrecognizedClientException: the security token included in the request is invalid" };
  if (key.sessionToken !== undefined && one("x-amz-security-token") !== key.sessionToken) {
    return { ok: false, reason: "the security token included in the request is invalid (x-amz-security-token)" };
  }
  const date = one("x-amz-date");
  if (!date) return { ok: false, reason: "no x-amz-date" };
  const when = amzDateMs(date);
  if (Number.isNaN(when)) return { ok: false, reason: `bad x-amz-date ${date}` };
  if (date.slice(0, 8) !== day) return { ok: false, reason: "credential scope date differs from x-amz-date" };
  const skew = Math.abs((o.now ?? Date.now()) - when);
  if (skew > (o.maxSkewMs ?? 5 * 60_000)) return { ok: false, reason: `Signature expired: x-amz-date ${date} is ${Math.round(skew / 1000)} s off` };
  const signed = signedList.split(";");
  if (!signed.includes("host")) return { ok: false, reason: "host is not a signed header" };
  if ([...signed].sort().join(";") !== signedList) return { ok: false, reason: "SignedHeaders not sorted" };
  for (const h of signed) if (!headers.has(h)) return { ok: false, reason: `signed header ${h} missing` };
  const bodyHash = sha256(req.body);
  const claimed = one("x-amz-content-sha256");
  // S3 lets the signer leave the payload out of the signature: the canonical request then carries
  // the literal instead of the body's hash (S3 API Reference, "Signature Calculations for the
  // Authorization Header"). Signed streaming chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are not
  // verified here, so they are refused rather than let through.
  const unsigned = o.service === "s3" && (claimed === "UNSIGNED-PAYLOAD" || claimed === "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  if (claimed !== undefined && !unsigned && claimed !== bodyHash) return { ok: false, reason: "x-amz-content-sha256 does not match the body" };
  if (o.service === "s3" && claimed === undefined) return { ok: false, reason: "S3 requires x-amz-content-sha256" };
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? "" : req.url.slice(q + 1);
  const canonicalHeaders = signed.map((h) => `${h}:${headers.get(h)!.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`).join("");
  // S3 signs the path as sent (encoded once, not normalised); other services encode each segment again.
  const canonical = [req.method, o.service === "s3" ? path : canonicalPath(path), canonicalQuery(query), canonicalHeaders, signedList, unsigned ? claimed : bodyHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonical)].join("\n");
  const k = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day), region), service), "aws4_request");
  const expected = createHmac("sha256", k).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return { ok: false, reason: "SignatureDoesNotMatch: the request signature we calculated does not match the signature you provided" };
  }
  return { ok: true, accessKeyId: keyId };
}
