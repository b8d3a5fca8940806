import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROL_PLANE_IAM_ACTIONS } from "../../control-plane/iam-actions";
import { CONTROL_PLANE_CONFIG_FILE } from "../../protocol/control-plane-config";
import { REPO } from "../helpers/env";

const dir = mkdtempSync(join(tmpdir(), "cp-bundle-"));
const out = join(dir, "index.js");
let inputs: string[] = [];

describe("control plane bundle", () => {
  beforeAll(async () => {
    const res = await build({
      entryPoints: [join(REPO, "control-plane/handler.ts")],
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      outfile: out,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: REPO,
    });
    inputs = Object.keys(res.metafile.inputs);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("holds no program code and no @pulumi package", () => {
    expect(inputs.length).toBeGreaterThan(10);
    const ours = inputs.filter((p) => !p.startsWith("node_modules/"));
    expect(ours.filter((p) => !/^(control-plane|protocol)\//.test(p))).toEqual([]);
    expect(inputs.filter((p) => /(^|\/)@pulumi\//.test(p))).toEqual([]);
    const text = readFileSync(out, "utf8");
    expect(text).not.toMatch(/require\(["']@pulumi/);
    expect(text).not.toMatch(/require\(["'][./]*(components|config|stacks)\//);
  });

  it("runs: refuses an unknown event and an unauthenticated function URL request, in JSON", () => {
    const config = {
      v: 1,
      fleet: "t",
      region: "eu-west-1",
      credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh",
      bucket: "b-t",
      githubApiUrl: "https://api.github.com",
      pools: [],
      jobWaitAlarmSeconds: 300,
      endpoints: { aws: "http://127.0.0.1:9" },
    };
    writeFileSync(join(dir, CONTROL_PLANE_CONFIG_FILE), JSON.stringify(config));
    const script = join(dir, "run.js");
    writeFileSync(
      script,
      `const { handler } = require(${JSON.stringify(out)});
const ctx = { getRemainingTimeInMillis: () => 60000, awsRequestId: "x" };
(async () => {
  const refused = await handler({ action: "nope" }, ctx).then(() => "accepted", (e) => e.name);
  const url = await handler({ version: "2.0", rawPath: "/", isBase64Encoded: false, body: "{}", requestContext: { accountId: "123456789012", requestId: "r", timeEpoch: Date.now(), http: { method: "POST", path: "/", sourceIp: "10.0.0.1" } } }, ctx);
  process.stdout.write("RESULT " + JSON.stringify({ refused, url }) + "\\n");
})();`,
    );
    const stdout = execFileSync(process.execPath, [script], { env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" }, timeout: 30_000 }).toString();
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines.find((l) => l.startsWith("RESULT "))!.slice(7));
    expect(result.refused).toBe("UnknownEvent");
    expect(result.url.statusCode).toBe(403);
    expect(JSON.parse(result.url.body)).toMatchObject({ v: 1, error: { code: "unauthenticated", retryable: false } });
    // Every other line is a JSON log line.
    for (const l of lines.filter((l) => !l.startsWith("RESULT "))) expect(() => JSON.parse(l)).not.toThrow();
  });
});

/** AWS SDK commands → IAM actions (S3's differ from the operation names). */
const S3_ACTIONS: Record<string, string[]> = {
  GetObject: ["s3:GetObject"],
  PutObject: ["s3:PutObject"],
  DeleteObject: ["s3:DeleteObject"],
  ListObjectsV2: ["s3:ListBucket"],
  CopyObject: ["s3:GetObject", "s3:PutObject"],
};
const PREFIX: Record<string, string> = { "client-auto-scaling": "autoscaling", "client-secrets-manager": "secretsmanager", "client-ec2": "ec2" };

function sources(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("iam-actions.ts", () => {
  it("lists exactly the AWS actions control-plane/ calls", () => {
    const used = new Set<string>();
    for (const file of sources(join(REPO, "control-plane"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/import \{([^}]*)\} from "@aws-sdk\/(client-[a-z0-9-]+|lib-storage)"/g)) {
        const names = m[1]!.split(",").map((n) => n.replace(/\btype\b/, "").trim()).filter(Boolean);
        for (const n of names) {
          if (!new RegExp(`new ${n}\\(`).test(text)) continue;
          if (m[2] === "lib-storage" && n === "Upload") ["s3:PutObject", "s3:AbortMultipartUpload"].forEach((a) => used.add(a));
          const op = /^(\w+)Command$/.exec(n)?.[1];
          if (!op) continue;
          if (m[2] === "client-s3") {
            const acts = S3_ACTIONS[op];
            if (!acts) throw new Error(`${relative(REPO, file)}: no IAM mapping for S3 ${op}`);
            acts.forEach((a) => used.add(a));
          } else {
            const prefix = PREFIX[m[2]!];
            if (!prefix) throw new Error(`${relative(REPO, file)}: no IAM prefix for @aws-sdk/${m[2]}`);
            used.add(`${prefix}:${op}`);
          }
        }
      }
    }
    const { logGroup: _logs, ...listed } = CONTROL_PLANE_IAM_ACTIONS;
    expect([...used].sort()).toEqual(Object.values(listed).flat().sort());
  });
});
