import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MIRROR_PREFIX, type MirroredAsset, type MirroredRelease, type MirrorManifest, type RunnerPlatform } from "../../protocol/mirror";
import type { Logger } from "../aws/log";
import type { GitHubRest } from "../github/rest";
import { isDue, readManifest, writeManifest } from "./manifest";
import { mirrorAsset } from "./transfer";

/**
 * The runner mirror: the current actions/runner release (linux-x64, linux-arm64) in the bucket,
 * each tarball checked against the SHA-256 digest GitHub publishes on the release asset
 * (release-asset.digest, "sha256:<hex>"), the previous release kept beside it. Hosts install only
 * from here. A failed check (GitHub unreachable, a wrong or missing digest) keeps the manifest's
 * releases as they were and says why in lastError.
 */
export const PLATFORMS: RunnerPlatform[] = ["linux-x64", "linux-arm64"];

export interface MirrorDeps {
  s3: S3Client;
  bucket: string;
  github: () => Promise<GitHubRest>;
  log: Logger;
  now?: () => number;
  fetchImpl?: typeof fetch;
}

export type MirrorResult =
  | { status: "not-due"; checkedAt: string }
  | { status: "up-to-date"; version: string }
  | { status: "mirrored"; version: string; previous?: string }
  | { status: "failed"; error: string; current?: string };

interface ReleaseAsset {
  name: string;
  digest: string | null;
  browser_download_url: string;
  size: number;
  state: string;
}

const assetName = (platform: RunnerPlatform, version: string) => `actions-runner-${platform}-${version}.tar.gz`;

async function fetchCurrent(deps: MirrorDeps, manifest: MirrorManifest | undefined, log: Logger): Promise<{ release: MirroredRelease; fresh: boolean }> {
  const gh = await deps.github();
  const { data } = await gh.request("GET /repos/{owner}/{repo}/releases/latest", { owner: "actions", repo: "runner" });
  const version = data.tag_name.replace(/^v/, "");
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`latest actions/runner release has tag ${data.tag_name}, not v<major>.<minor>.<patch>`);
  const publishedAt = data.published_at ?? data.created_at;
  if (manifest?.current.version === version) return { release: manifest.current, fresh: false };
  // Check every digest before downloading anything.
  const wanted = PLATFORMS.map((platform) => {
    const asset = (data.assets as ReleaseAsset[]).find((a) => a.name === assetName(platform, version));
    if (!asset || asset.state !== "uploaded") throw new Error(`release ${version} has no uploaded ${assetName(platform, version)}`);
    const m = /^sha256:([0-9a-f]{64})$/.exec(asset.digest ?? "");
    if (!m) throw new Error(`${asset.name}: GitHub publishes no SHA-256 digest (${asset.digest === null ? "null" : "unexpected form"}); refusing to mirror what cannot be checked`);
    return { platform, asset, sha256: m[1]! };
  });
  const assets = {} as Record<RunnerPlatform, MirroredAsset>;
  for (const w of wanted) {
    const key = `${MIRROR_PREFIX}${version}/${w.asset.name}`;
    const got = await mirrorAsset({ s3: deps.s3, bucket: deps.bucket, key, url: w.asset.browser_download_url, name: w.asset.name, sha256: w.sha256, fetchImpl: deps.fetchImpl });
    assets[w.platform] = { key, sha256: got.sha256, size: got.size };
    log.info("mirrored a runner tarball", { key, sha256: got.sha256, size: got.size });
  }
  return { release: { version, publishedAt, assets }, fresh: true };
}

export async function mirrorRunner(deps: MirrorDeps, opts: { force: boolean }): Promise<MirrorResult> {
  const log = deps.log.child({ component: "mirror" });
  const now = deps.now?.() ?? Date.now();
  const manifest = await readManifest(deps.s3, deps.bucket);
  if (!opts.force && !isDue(manifest, now)) return { status: "not-due", checkedAt: manifest!.checkedAt };
  const checkedAt = new Date(now).toISOString();
  let found: { release: MirroredRelease; fresh: boolean };
  try {
    found = await fetchCurrent(deps, manifest, log);
  } catch (e) {
    const error = (e as Error).message.slice(0, 500);
    log.error("runner mirror check failed; the mirrored releases stay as they were", { err: e, current: manifest?.current.version });
    if (manifest) await writeManifest(deps.s3, deps.bucket, { ...manifest, checkedAt, lastError: error });
    return { status: "failed", error, ...(manifest ? { current: manifest.current.version } : {}) };
  }
  if (!found.fresh) {
    const { lastError: _cleared, ...rest } = manifest!;
    await writeManifest(deps.s3, deps.bucket, { ...rest, checkedAt });
    return { status: "up-to-date", version: found.release.version };
  }
  const next: MirrorManifest = { v: 1, current: found.release, ...(manifest ? { previous: manifest.current } : {}), checkedAt };
  await writeManifest(deps.s3, deps.bucket, next);
  // The release two back is no longer listed: its tarballs go (never one the new manifest names).
  const dropped = manifest?.previous;
  if (dropped && dropped.version !== next.current.version && dropped.version !== next.previous?.version) {
    for (const a of Object.values(dropped.assets)) await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: a.key }));
  }
  log.info("runner mirror moved to a new release", { version: next.current.version, previous: next.previous?.version });
  return { status: "mirrored", version: next.current.version, ...(next.previous ? { previous: next.previous.version } : {}) };
}
