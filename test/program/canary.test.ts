import * as pulumi from "@pulumi/pulumi";
import { randomBytes, randomInt } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SecretValue, type RenderResult } from "../../tools/render-lib";
import { renderStackFile } from "../../tools/render-stack-file";
import { stackOfFile, type StackFileConfig } from "../../tools/stack-file";
import { REPO } from "../helpers/env";

/** Fresh per run, so nothing committed can match by accident. */
const id = randomBytes(10).toString("hex");
const CANARY = {
  token: `ghp_CANARY${id}`,
  keyLine: `CANARYKEY${id}`,
  installationId: String(randomInt(1_000_000_000, 2_000_000_000)),
};
const NEEDLES = [CANARY.token, CANARY.keyLine, CANARY.installationId];

function withCanaries(f: StackFileConfig): StackFileConfig {
  const config = { ...f.config };
  for (const k of Object.keys(config)) {
    if (k.endsWith(":githubToken")) config[k] = CANARY.token;
    if (k.endsWith(":githubAppPrivateKey")) config[k] = `-----BEGIN RSA PRIVATE KEY-----\n${CANARY.keyLine}\n-----END RSA PRIVATE KEY-----\n`;
    if (k.endsWith(":github")) {
      const g = JSON.parse(config[k]!) as { auth?: string; installationId?: string };
      if (g.auth === "app") config[k] = JSON.stringify({ ...g, installationId: CANARY.installationId });
    }
  }
  return { ...f, config };
}

/** Every string inside a value, and what base64-looking strings decode to (user-data is base64). */
function texts(v: unknown): string[] {
  if (typeof v === "string") {
    const out = [v];
    if (v.length >= 16 && /^[A-Za-z0-9+/=\s]+$/.test(v)) out.push(Buffer.from(v, "base64").toString("utf8"));
    return out;
  }
  if (pulumi.runtime.isRpcSecret(v)) return texts(pulumi.runtime.unwrapRpcSecret(v));
  if (v instanceof SecretValue) return texts(v.value);
  if (Array.isArray(v)) return v.flatMap(texts);
  if (v !== null && typeof v === "object") return Object.values(v).flatMap(texts);
  return [];
}
const holdsCanary = (v: unknown) => texts(v).some((t) => NEEDLES.some((n) => t.includes(n)));

/** Places where a canary sits outside a secret: resource inputs, outputs. Also where it sits inside one. */
function scan(r: RenderResult): { clear: string[]; secret: string[] } {
  const clear: string[] = [];
  const secret: string[] = [];
  for (const res of r.resources) {
    for (const [k, v] of Object.entries(res.inputs)) {
      if (!holdsCanary(v)) continue;
      (pulumi.runtime.isRpcSecret(v) ? secret : clear).push(`${res.type}::${res.name}.${k}`);
    }
  }
  const walk = (v: unknown, path: string): void => {
    if (v instanceof SecretValue) {
      if (holdsCanary(v)) secret.push(`output ${path}`);
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else if (holdsCanary(v)) clear.push(`output ${path}`);
  };
  walk(r.outputs, "");
  return { clear, secret };
}

/** Every stack file of the project and the documented examples, in one directory. */
function allStacks(): { dir: string; stacks: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "canary-"));
  const stacks: string[] = [];
  for (const [from, f] of [
    ...readdirSync(REPO).map((f) => [REPO, f] as const),
    ...readdirSync(join(REPO, "stacks")).map((f) => [join(REPO, "stacks"), f] as const),
  ]) {
    const stack = stackOfFile(f);
    if (f === "Pulumi.yaml" || stack) copyFileSync(join(from, f), join(dir, f));
    if (stack) stacks.push(stack);
  }
  return { dir, stacks };
}

afterEach(() => vi.restoreAllMocks());

describe("credential canary over every stack", () => {
  const { dir, stacks } = allStacks();

  it("covers the stacks there are", () => {
    expect(stacks).toEqual(expect.arrayContaining(["dev", "prod", "team-example", "team-esc-example"]));
  });

  it.each(stacks)("%s: canaries only inside secrets, never in clear, never in a log line", async (stack) => {
    const logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    for (const m of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(" ")));
    const r = await renderStackFile(dir, stack, (n) => logged.push(n), withCanaries);
    vi.restoreAllMocks();
    const { clear, secret } = scan(r);
    expect(clear, `in clear: ${clear.join(", ")}`).toEqual([]);
    if (stack === "team-example") {
      // A team on its platform's credential never holds it, not even as a secret.
      expect(secret, "a team on the platform's credential received it").toEqual([]);
    } else {
      // Not vacuous: the credential did reach the stack's resources, as a secret.
      expect(secret.length, "the canary reached no resource at all").toBeGreaterThan(0);
    }
    expect(logged.join("\n")).not.toMatch(new RegExp(NEEDLES.join("|")));
  });
});
