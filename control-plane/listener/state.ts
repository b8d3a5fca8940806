import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * What one run leaves for the next, per pool, in the control plane's bucket: the session it held
 * (so a run killed at its deadline does not lock the scale set until the service expires the
 * session: the next run deletes it) and the last message id. No token is stored.
 */
export interface ListenerState {
  v: 1;
  scaleSetId: number;
  sessionId?: string;
  lastMessageId: number;
  at: string;
}

export class ListenerStateStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = "listener/",
  ) {}

  private key(pool: string): string {
    return `${this.prefix}${encodeURIComponent(pool)}.json`;
  }

  async load(pool: string): Promise<ListenerState | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(pool) }));
      const parsed = JSON.parse((await out.Body?.transformToString()) ?? "") as ListenerState;
      return parsed?.v === 1 && typeof parsed.scaleSetId === "number" ? parsed : undefined;
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchKey") return undefined;
      // A corrupt object is forgotten rather than blocking the pool for good.
      if (e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  async save(pool: string, state: ListenerState): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(pool), Body: JSON.stringify(state), ContentType: "application/json" }));
  }

  async clear(pool: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(pool) }));
  }
}
