import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MIRROR_MANIFEST_KEY, type MirrorManifest } from "../../protocol/mirror";
import { createAwsClients, type AwsClients } from "../../control-plane/aws/clients";
import { createLogger } from "../../control-plane/aws/log";
import { parseCredential } from "../../control-plane/github/credential";
import { createGitHubRest } from "../../control-plane/github/rest";
import { mirrorRunner, type MirrorDeps } from "../../control-plane/mirror/mirror";
import { startControlPlaneMoto, type ControlPlaneMoto } from "../helpers/iam-moto";
import { hasMoto, MOTO_CREDENTIALS } from "../helpers/moto";
import { GitHubOpenApi } from "../standins/openapi";
import { GitHubStandIn, type StandInRelease } from "../standins/github-rest";

const TOKEN = "ghp_CANARYmirrorCANARYmirror0123456789ab";
const BUCKET = "fleet-mirror";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A release as GitHub publishes it: both Linux tarballs (one over 5 MiB, so the upload goes multipart) and other assets. */
function release(version: string, publishedAt: string): StandInRelease {
  return {
    tag: `v${version}`,
    publishedAt,
    assets: [
      { name: `actions-runner-linux-x64-${version}.tar.gz`, bytes: gzipSync(randomBytes(6 * 1024 * 1024), { level: 0 }) },
      { name: `actions-runner-linux-arm64-${version}.tar.gz`, bytes: gzipSync(Buffer.from(`arm64 runner ${version}\n`.repeat(1000))) },
      { name: `actions-runner-win-x64-${version}.zip`, bytes: Buffer.from("zip") },
    ],
  };
}

describe.runIf(hasMoto())("runner mirror against the GitHub stand-in and moto S3", () => {
  let moto: ControlPlaneMoto;
  /** The test's own view of moto; the mirror runs as the control plane, through its rendered policy. */
  let aws: AwsClients;
  let controlPlane: AwsClients;
  const gh = new GitHubStandIn(new GitHubOpenApi(), { token: TOKEN });
  const lines: string[] = [];
  let now = Date.parse("2026-11-23T08:00:00Z");
  let githubUrl = "";

  beforeAll(async () => {
    moto = await startControlPlaneMoto();
    aws = createAwsClients({ region: "eu-west-1", endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    controlPlane = createAwsClients({ region: "eu-west-1", endpoint: moto.controlPlane.endpoint, credentials: moto.controlPlane.credentials });
    await moto.useWorld({ role: "mirror-host", asgName: "asg-mirror", bucket: BUCKET });
    await gh.start();
  }, 30_000);
  afterAll(async () => {
    await gh.stop();
    await moto?.stop();
    expect(gh.violations).toEqual([]);
    // Every call the mirror made was allowed by the control plane's rendered policy: uploads (multipart too), copies (reading the source), deletes, and the list right that makes a missing manifest a 404.
    expect(moto.proxy.refused).toEqual([]);
    expect(new Set(moto.proxy.allowed.map((c) => c.action))).toEqual(new Set(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]));
    expect(lines.join("\n")).not.toContain(TOKEN);
  });
  beforeEach(async () => {
    await moto.reset();
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    githubUrl = gh.baseUrl;
    gh.downloadsDown = false;
  });

  const deps = (): MirrorDeps => ({
    s3: controlPlane.s3,
    bucket: BUCKET,
    github: async () => createGitHubRest(parseCredential(JSON.stringify({ kind: "token", token: TOKEN }), "arn:x"), { baseUrl: githubUrl, log: createLogger((l) => lines.push(l)), retryAfterUnitMs: 5, maxRetries: 1 }),
    log: createLogger((l) => lines.push(l)),
    now: () => now,
  });
  const manifest = async () => JSON.parse(await (await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: MIRROR_MANIFEST_KEY }))).Body!.transformToString()) as MirrorManifest;
  const keys = async () => ((await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!).sort();
  const object = async (key: string) => Buffer.from(await (await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

  it("mirrors the current release checked against GitHub's digests, keeps the previous, drops the one before", async () => {
    const r1 = release("2.336.0", "2026-07-20T10:00:00Z");
    gh.release = r1;
    expect(await mirrorRunner(deps(), { force: true })).toEqual({ status: "mirrored", version: "2.336.0" });
    const m1 = await manifest();
    expect(m1.current.version).toBe("2.336.0");
    expect(m1.current.publishedAt).toBe("2026-07-20T10:00:00Z");
    expect(m1.current.assets["linux-x64"]).toEqual({ key: "runner/2.336.0/actions-runner-linux-x64-2.336.0.tar.gz", sha256: sha(r1.assets[0]!.bytes), size: r1.assets[0]!.bytes.length });
    expect((await object(m1.current.assets["linux-arm64"].key)).equals(r1.assets[1]!.bytes)).toBe(true);
    expect(await keys()).toEqual([MIRROR_MANIFEST_KEY, "runner/2.336.0/actions-runner-linux-arm64-2.336.0.tar.gz", "runner/2.336.0/actions-runner-linux-x64-2.336.0.tar.gz"].sort());

    // Scheduled runs: not due within a day; due after; nothing new → only checkedAt moves.
    now += 3600_000;
    expect((await mirrorRunner(deps(), { force: false })).status).toBe("not-due");
    now += 24 * 3600_000;
    expect(await mirrorRunner(deps(), { force: false })).toEqual({ status: "up-to-date", version: "2.336.0" });
    expect((await manifest()).checkedAt).toBe(new Date(now).toISOString());

    gh.release = release("2.337.0", "2026-12-01T10:00:00Z");
    now += 24 * 3600_000;
    expect(await mirrorRunner(deps(), { force: false })).toEqual({ status: "mirrored", version: "2.337.0", previous: "2.336.0" });
    expect((await keys()).filter((k) => k.endsWith(".tar.gz"))).toHaveLength(4);

    gh.release = release("2.338.0", "2027-01-10T10:00:00Z");
    expect(await mirrorRunner(deps(), { force: true })).toEqual({ status: "mirrored", version: "2.338.0", previous: "2.337.0" });
    expect((await keys()).filter((k) => k.includes("2.336.0"))).toEqual([]);
    expect((await keys()).filter((k) => k.endsWith(".tar.gz"))).toHaveLength(4);
  });

  it("refuses a tarball whose bytes do not match the published digest, reports it and keeps the manifest", async () => {
    gh.release = release("2.336.0", "2026-07-20T10:00:00Z");
    await mirrorRunner(deps(), { force: true });
    const before = await manifest();
    const bad = release("2.337.0", "2026-12-01T10:00:00Z");
    bad.assets[1]!.digest = `sha256:${sha(Buffer.from("something else"))}`;
    gh.release = bad;
    const res = await mirrorRunner(deps(), { force: true });
    expect(res).toMatchObject({ status: "failed", current: "2.336.0" });
    const after = await manifest();
    expect(after.current).toEqual(before.current);
    expect(after.lastError).toMatch(/actions-runner-linux-arm64-2\.337\.0\.tar\.gz: SHA-256 .* is not the published/);
    // Nothing of the refused tarball stays (no staging object either); the good x64 one may.
    expect((await keys()).filter((k) => k.includes("arm64-2.337.0") || k.includes("incoming"))).toEqual([]);
    expect(lines.some((l) => JSON.parse(l).msg.startsWith("runner mirror check failed"))).toBe(true);
    // A failed check is retried within the hour, not the day.
    now += 3600_000;
    gh.release = release("2.337.0", "2026-12-01T10:00:00Z");
    expect(await mirrorRunner(deps(), { force: false })).toMatchObject({ status: "mirrored", version: "2.337.0" });
    expect((await manifest()).lastError).toBeUndefined();
  });

  it("refuses an asset without a published digest before downloading", async () => {
    const r = release("2.336.0", "2026-07-20T10:00:00Z");
    r.assets[0]!.digest = null;
    gh.release = r;
    const n = gh.requests.length;
    expect(await mirrorRunner(deps(), { force: true })).toMatchObject({ status: "failed" });
    expect(gh.requests.slice(n).some((q) => q.path.includes("/download/"))).toBe(false);
    expect(await keys()).toEqual([]);
  });

  it("keeps the previous release when GitHub or its downloads are unreachable", async () => {
    gh.release = release("2.336.0", "2026-07-20T10:00:00Z");
    await mirrorRunner(deps(), { force: true });
    const before = await manifest();
    gh.release = release("2.337.0", "2026-12-01T10:00:00Z");
    gh.downloadsDown = true;
    expect(await mirrorRunner(deps(), { force: true })).toMatchObject({ status: "failed", current: "2.336.0" });
    githubUrl = "http://127.0.0.1:9"; // nothing listens on the discard port
    expect(await mirrorRunner(deps(), { force: true })).toMatchObject({ status: "failed", current: "2.336.0" });
    const after = await manifest();
    expect(after.current).toEqual(before.current);
    expect(after.lastError).toBeDefined();
    expect((await keys()).filter((k) => k.includes("2.337.0"))).toEqual([]);
  });
});
