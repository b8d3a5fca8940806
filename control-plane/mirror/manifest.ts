import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MIRROR_MANIFEST_KEY, type MirrorManifest } from "../../protocol/mirror";

export async function readManifest(s3: S3Client, bucket: string): Promise<MirrorManifest | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: MIRROR_MANIFEST_KEY }));
    return JSON.parse(await out.Body!.transformToString("utf8")) as MirrorManifest;
  } catch (e) {
    if ((e as { name?: string }).name === "NoSuchKey" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw e;
  }
}

export async function writeManifest(s3: S3Client, bucket: string, manifest: MirrorManifest): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: MIRROR_MANIFEST_KEY, Body: JSON.stringify(manifest, null, 2), ContentType: "application/json", CacheControl: "no-cache" }),
  );
}

/** A good check is repeated daily; a failed one hourly, so a fixed release or a returning GitHub is picked up the same day. */
export const CHECK_EVERY_MS = 24 * 3600 * 1000;
export const RETRY_FAILED_EVERY_MS = 3600 * 1000;

export function isDue(manifest: MirrorManifest | undefined, now: number): boolean {
  if (!manifest) return true;
  const since = now - Date.parse(manifest.checkedAt);
  return !Number.isFinite(since) || since >= (manifest.lastError ? RETRY_FAILED_EVERY_MS : CHECK_EVERY_MS);
}
