import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Aws } from "../../host/agent/aws";
import { Imds } from "../../host/agent/imds";
import { unwrapSecrets, type RenderResult } from "../../tools/render-lib";
import { renderStackFile } from "../../tools/render-stack-file";
import { REPO } from "../helpers/env";
import { strings } from "../helpers/render";

/**
 * prod moved to AWS China (cn-north-1): endpoints, kms:ViaService, service principals and ARNs follow
 * the partition the stack looks up, never a hard-coded amazonaws.com or arn:aws:.
 */
let cn: RenderResult;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "partition-"));
  copyFileSync(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const prod = readFileSync(join(REPO, "Pulumi.prod.yaml"), "utf8");
  expect(prod).toMatch(/aws:region: eu-west-1/);
  writeFileSync(join(dir, "Pulumi.cn.yaml"), prod.replace(/aws:region: eu-west-1/, "aws:region: cn-north-1").replace(/arn:aws:/g, "arn:aws-cn:") /* the operator's own ARNs */);
  cn = await renderStackFile(dir, "cn");
}, 120_000);

/** Every string input, with JSON documents (policies) opened into their own strings. */
const allStrings = (): string[] =>
  cn.resources.flatMap((r) =>
    strings(unwrapSecrets(r.inputs)).flatMap((s) => {
      const inner = jsonStrings(s);
      return inner.length > 0 ? inner : [s];
    }),
  );
function jsonStrings(s: string): string[] {
  if (!/^\s*[{[]/.test(s)) return [];
  try {
    const doc = JSON.parse(s) as unknown;
    // Condition keys carry names too (oidc.eks.<region>.<suffix>/id/…:aud).
    const keys = (v: unknown): string[] => (v !== null && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
    return [...strings(doc), ...keys(doc)];
  } catch {
    return [];
  }
}

const isAgentBundle = (s: string): boolean => s.startsWith('"use strict";') && s.includes("// host/agent/");

describe("a prod render in cn-north-1 (partition aws-cn)", () => {
  it("names no commercial-partition DNS name or ARN", () => {
    // The one exception is deliberate: the IRSA audience is sts.amazonaws.com in China too (eksctl#1910).
    // The agent bundle is code, not configuration: its endpoint choice is tested on its own below.
    const commercial = allStrings().filter((s) => /amazonaws\.com(?!\.cn)/.test(s) && s !== "sts.amazonaws.com" && !isAgentBundle(s));
    expect(commercial).toEqual([]);
    expect(allStrings().filter((s) => /\barn:aws:/.test(s))).toEqual([]);
  });

  it("trusts the partition's service principals and pins kms:ViaService to its suffix", () => {
    const principals = allStrings().filter((s) => /^(ec2|eks)\.amazonaws\.com/.test(s));
    expect(new Set(principals)).toEqual(new Set(["ec2.amazonaws.com.cn", "eks.amazonaws.com.cn"]));
    const via = allStrings().filter((s) => s.startsWith("secretsmanager."));
    for (const v of via) expect(v).toBe("secretsmanager.cn-north-1.amazonaws.com.cn");
    expect(allStrings().some((s) => s.startsWith("arn:aws-cn:"))).toBe(true);
  });
});

describe("the host agent's AWS endpoints", () => {
  it("follow the region's partition (the SDK's own endpoint rules)", () => {
    const at = (region: string) => {
      const aws = new Aws({ region, endpoints: { imds: "http://127.0.0.1:9" } } as ConstructorParameters<typeof Aws>[0], new Imds("http://127.0.0.1:9"));
      return aws.asg.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false }).url.href;
    };
    expect(at("cn-north-1")).toBe("https://autoscaling.cn-north-1.amazonaws.com.cn/");
    expect(at("eu-west-1")).toBe("https://autoscaling.eu-west-1.amazonaws.com/");
  });
});
