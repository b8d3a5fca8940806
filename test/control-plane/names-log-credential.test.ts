import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createLogger, redactor } from "../../control-plane/aws/log";
import { parseRunnerName, runnerName, runnerNamePrefix } from "../../control-plane/broker/names";
import { parseRoleArn } from "../../control-plane/broker/caller";
import { CredentialError, parseCredential } from "../../control-plane/github/credential";

describe("runner names", () => {
  it("stay within 64 characters, read back, and never collide across long scale set names", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,44}$/),
        fc.stringMatching(/^i-[0-9a-f]{8,17}$/),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (set, iid, slot, seq) => {
          const name = runnerName(set, iid, slot, seq);
          expect(name.length).toBeLessThanOrEqual(64);
          expect(parseRunnerName(set, name)).toEqual({ instanceId: iid, slot, seq });
        },
      ),
    );
    const a = "kernel-builders-graviton-arm64-xlarge-a";
    const b = "kernel-builders-graviton-arm64-xlarge-b";
    expect(runnerNamePrefix(a)).not.toBe(runnerNamePrefix(b));
    expect(runnerNamePrefix(a)).toBe(runnerNamePrefix(a));
    expect(runnerNamePrefix("short")).toBe("short");
  });

  it("are not read back from someone else's runner", () => {
    expect(parseRunnerName("alpha-set", "alpha-set-laptop-1-1")).toBeUndefined();
    expect(parseRunnerName("alpha-set", "beta-set-i-0123456789abcdef0-1-1")).toBeUndefined();
    expect(parseRunnerName("alpha", "alpha-set-i-0123456789abcdef0-1-1")).toBeUndefined();
  });
});

describe("role ARNs", () => {
  it("take the name after any path", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/a/b/host")).toEqual({ partition: "aws", account: "123456789012", roleName: "host" });
    expect(parseRoleArn("arn:aws-cn:iam::123456789012:role/host")).toEqual({ partition: "aws-cn", account: "123456789012", roleName: "host" });
    expect(parseRoleArn("arn:aws:iam::123456789012:user/host")).toBeUndefined();
  });
});

const PEM = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAxCANARYcanaryCANARYcanaryCANARYcanaryCANARYcanary0", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz01", "-----END RSA PRIVATE KEY-----"].join("\n");

describe("credential and redacting logger", () => {
  it("parses both kinds and refuses others without quoting a value", () => {
    expect(parseCredential(JSON.stringify({ kind: "app", appId: 123, installationId: "456", privateKey: PEM }), "arn:x")).toEqual({
      kind: "app",
      appId: "123",
      installationId: "456",
      privateKey: PEM,
    });
    expect(parseCredential(JSON.stringify({ kind: "token", token: "ghp_x" }), "arn:x")).toEqual({ kind: "token", token: "ghp_x" });
    const bad = JSON.stringify({ kind: "token", token: "ghp_secretvalue123456", extra: "ghp_secretvalue123456" });
    expect(() => parseCredential(bad, "arn:x")).toThrow(CredentialError);
    try {
      parseCredential(bad, "arn:x");
    } catch (e) {
      expect((e as Error).message).not.toContain("secretvalue");
    }
    expect(() => parseCredential("not json ghp_secret", "arn:x")).toThrow(/not JSON/);
    expect(() => parseCredential(JSON.stringify({ kind: "app", appId: "12", installationId: "3", privateKey: "nope" }), "arn:x")).toThrow(/privateKey/);
  });

  it("redacts registered secrets, secret-shaped values and secret-named fields wherever they are", () => {
    parseCredential(JSON.stringify({ kind: "app", appId: 1, installationId: 2, privateKey: PEM }), "arn:x");
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l), { component: "test" });
    log.info("key line", { text: `oops ${PEM.split("\n")[1]}` });
    log.info("json escaped", { nested: { blob: JSON.stringify({ k: PEM }) } });
    log.warn("shapes", { a: "ghs_abcdefghijklmnopqrstuvwxyz0123", b: "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjMifQ.sig", c: "Bearer abcdefghijklmnop1234" });
    log.error("fields", { token: "short", privateKey: "x", encodedJitConfig: "y", credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x" });
    log.error("error", { err: new Error(`failed with ${PEM}`) });
    const all = lines.join("\n");
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(all).not.toContain("CANARYcanary");
    expect(all).not.toContain("AbCdEfGhIjKl");
    expect(all).not.toContain("ghs_abcdef");
    expect(all).not.toContain("eyJhbGci");
    expect(all).not.toContain("abcdefghijklmnop1234");
    expect(JSON.parse(lines[3]!)).toMatchObject({ token: "[redacted]", privateKey: "[redacted]", encodedJitConfig: "[redacted]", credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x" });
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: "test", level: "info", msg: "key line" });
    expect(redactor.redact("nothing secret here")).toBe("nothing secret here");
  });
});
