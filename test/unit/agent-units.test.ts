import { createVerify, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, utimesSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scopePath } from "../../host/agent/config";
import { sweepWork } from "../../host/agent/fsutil";
import { appJwt } from "../../host/agent/github";
import { serverDelayMs } from "../../host/agent/http";
import { Logger } from "../../host/agent/log";
import { signV4 } from "../../host/agent/sigv4";

describe("SigV4", () => {
  it("matches AWS's published get-vanilla test vector", () => {
    const h = signV4(
      { method: "GET", url: "https://example.amazonaws.com/", headers: {}, body: "" },
      { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      "us-east-1",
      "service",
      new Date("2015-08-30T12:36:00Z"),
    );
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("signs the session token of role credentials", () => {
    const h = signV4({ method: "POST", url: "https://x.amazonaws.com/", headers: {}, body: "{}" }, { accessKeyId: "A", secretAccessKey: "S", sessionToken: "T" }, "eu-west-1", "secretsmanager");
    expect(h["x-amz-security-token"]).toBe("T");
    expect(h.authorization).toContain("SignedHeaders=host;x-amz-date;x-amz-security-token");
  });
});

describe("retry delays", () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  it("honours Retry-After in seconds and as a date", () => {
    expect(serverDelayMs({ status: 429, headers: headers({ "retry-after": "3" }) })).toBe(3000);
    expect(serverDelayMs({ status: 503, headers: headers({ "retry-after": new Date(10_000).toUTCString() }) }, 4_000)).toBe(6000);
  });
  it("waits for GitHub's rate-limit reset when none remain", () => {
    expect(serverDelayMs({ status: 403, headers: headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "100" }) }, 90_000)).toBe(10_000);
    expect(serverDelayMs({ status: 500, headers: headers({}) })).toBeUndefined();
  });
});

describe("GitHub App JWT", () => {
  it("is RS256, issued by the App, and expires within ten minutes", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const jwt = appJwt("4242", privateKey, 1_700_000_000_000);
    const [h, b, s] = jwt.split(".") as [string, string, string];
    expect(JSON.parse(Buffer.from(h, "base64url").toString())).toEqual({ alg: "RS256", typ: "JWT" });
    const claims = JSON.parse(Buffer.from(b, "base64url").toString()) as { iss: string; iat: number; exp: number };
    expect(claims.iss).toBe("4242");
    expect(claims.iat).toBeLessThan(1_700_000_000);
    expect(claims.exp - 1_700_000_000).toBeLessThanOrEqual(600);
    expect(createVerify("RSA-SHA256").update(`${h}.${b}`).verify(publicKey, Buffer.from(s, "base64url"))).toBe(true);
  });
});

describe("agent helpers", () => {
  it("maps registration URLs to API scopes", () => {
    expect(scopePath("https://github.com/acme")).toBe("/orgs/acme");
    expect(scopePath("https://github.com/acme/widgets")).toBe("/repos/acme/widgets");
    expect(scopePath("https://ghe.example.com/enterprises/big")).toBe("/enterprises/big");
  });

  it("sweeps old work but never an active job's", () => {
    const root = mkdtempSync(join(tmpdir(), "sweep-"));
    const old = new Date(Date.now() - 48 * 3600_000);
    for (const d of ["old", "old-active", "new"]) mkdirSync(join(root, d));
    utimesSync(join(root, "old"), old, old);
    utimesSync(join(root, "old-active"), old, old);
    const removed = sweepWork(root, new Set([join(root, "old-active")]), 24 * 3600_000);
    expect(removed).toEqual([join(root, "old")]);
    expect(existsSync(join(root, "old-active")) && existsSync(join(root, "new"))).toBe(true);
  });

  it("scrubs registered secrets from every log line", () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    log.redact("ghs_supersecrettoken");
    log.info("runner output", { line: "token ghs_supersecrettoken here" });
    expect(lines[0]).toContain("[redacted]");
    expect(lines[0]).not.toContain("ghs_supersecrettoken");
  });
});
