import { CopyObjectCommand, DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash, randomUUID } from "node:crypto";
import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

export class DigestMismatch extends Error {
  constructor(name: string, expected: string, actual: string) {
    super(`${name}: SHA-256 ${actual} is not the published ${expected}`);
    this.name = "DigestMismatch";
  }
}

/**
 * Download → hash → S3 in one stream (a tarball never sits whole in the Lambda's memory or disk).
 * The bytes land under a staging key and reach `key` only once their SHA-256 equals the published
 * digest, so a bad download can never replace a good object, even of the same version.
 */
export async function mirrorAsset(opts: {
  s3: S3Client;
  bucket: string;
  key: string;
  url: string;
  name: string;
  sha256: string;
  fetchImpl?: typeof fetch;
}): Promise<{ size: number; sha256: string }> {
  // No Authorization header: release downloads are public and redirect to another host.
  const res = await (opts.fetchImpl ?? fetch)(opts.url, { redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`${opts.name}: download answered HTTP ${res.status}`);
  const hash = createHash("sha256");
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const staging = `${opts.key}.incoming-${randomUUID()}`;
  const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>).pipe(counter);
  try {
    await new Upload({ client: opts.s3, params: { Bucket: opts.bucket, Key: staging, Body: body, ContentType: "application/gzip" } }).done();
    const actual = hash.digest("hex");
    if (actual !== opts.sha256) throw new DigestMismatch(opts.name, opts.sha256, actual);
    await opts.s3.send(new CopyObjectCommand({ Bucket: opts.bucket, Key: opts.key, CopySource: `${opts.bucket}/${staging.split("/").map(encodeURIComponent).join("/")}`, ContentType: "application/gzip", MetadataDirective: "REPLACE", Metadata: { sha256: actual } }));
    return { size, sha256: actual };
  } finally {
    await opts.s3.send(new DeleteObjectCommand({ Bucket: opts.bucket, Key: staging }));
  }
}
