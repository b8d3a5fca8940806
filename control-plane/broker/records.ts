import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * What the broker issued, in the config's bucket. One object per (pool, instance, slot), so calls
 * from different slots never touch the same key; writes are conditional (If-Match on the ETag read,
 * If-None-Match: * when there was none), so two calls for the same slot cannot both win.
 */
export interface SlotRecord {
  v: 1;
  pool: string;
  instanceId: string;
  slot: number;
  /** The slot's live runner; absent while it has none. */
  runner?: { id: number; name: string; scaleSetId: number; issuedAt: string };
  /** Sequence of the last runner name claimed for this slot; names never repeat. */
  seq: number;
  /** The function URL request that wrote it last: a replay of that request is refused. */
  requestId: string;
  /**
   * Held while one request replaces the slot's runner: the claim is written (conditionally) before
   * anything changes on GitHub, so a concurrent request for the slot backs off instead of racing.
   * A claim older than the broker's timeout was abandoned (a Lambda died) and may be taken over.
   */
  claim?: { since: string; name: string };
}

/**
 * Host facts the reaper reads: when it first asked for a runner, whether its install failed, when
 * the reaper first saw it InService (the registration deadline counts from there, so a warm-pool
 * host launched hours before it entered service is not reaped on arrival).
 */
export type HostMark = "asked" | "install-failed" | "in-service";

export class RecordConflict extends Error {
  constructor(key: string) {
    super(`record ${key} changed under us`);
    this.name = "RecordConflict";
  }
}

const BROKER = "broker/";
const HOSTS = "hosts/";

export const slotKey = (pool: string, instanceId: string, slot: number): string => `${BROKER}${pool}/${instanceId}/slot-${slot}.json`;
const instancePrefix = (pool: string, instanceId: string): string => `${BROKER}${pool}/${instanceId}/`;
const markKey = (pool: string, instanceId: string, mark: HostMark): string => `${HOSTS}${pool}/${instanceId}/${mark}.json`;

function isStatus(e: unknown, ...codes: number[]): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && codes.includes(status);
}

export class RecordStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  private async getJson<T>(key: string): Promise<{ value: T; etag: string } | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await out.Body!.transformToString("utf8");
      return { value: JSON.parse(text) as T, etag: out.ETag ?? "" };
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchKey" || isStatus(e, 404)) return undefined;
      throw e;
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  getSlot(pool: string, instanceId: string, slot: number): Promise<{ value: SlotRecord; etag: string } | undefined> {
    return this.getJson<SlotRecord>(slotKey(pool, instanceId, slot));
  }

  /** Writes `record` only if the slot still holds what was read (`etag`), or nothing if undefined; returns the new ETag. */
  async putSlot(record: SlotRecord, etag: string | undefined): Promise<string> {
    const key = slotKey(record.pool, record.instanceId, record.slot);
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(record),
          ContentType: "application/json",
          ...(etag ? { IfMatch: etag } : { IfNoneMatch: "*" }),
        }),
      );
      if (!out.ETag) throw new Error(`S3 returned no ETag for ${key}`);
      return out.ETag;
    } catch (e) {
      if (isStatus(e, 412, 409)) throw new RecordConflict(key);
      throw e;
    }
  }

  async deleteSlot(pool: string, instanceId: string, slot: number): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: slotKey(pool, instanceId, slot) }));
  }

  /** Every slot record of one instance, or of the whole pool. */
  async listSlots(pool: string, instanceId?: string): Promise<SlotRecord[]> {
    const keys = await this.listKeys(instanceId ? instancePrefix(pool, instanceId) : `${BROKER}${pool}/`);
    const out: SlotRecord[] = [];
    for (const key of keys.filter((k) => /\/slot-\d+\.json$/.test(k))) {
      const got = await this.getJson<SlotRecord>(key);
      if (got) out.push(got.value);
    }
    return out;
  }

  /** Sets a host mark once; later calls keep the first time. */
  async mark(pool: string, instanceId: string, mark: HostMark, detail?: string, at: Date = new Date()): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: markKey(pool, instanceId, mark),
          Body: JSON.stringify({ at: at.toISOString(), ...(detail ? { detail } : {}) }),
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
    } catch (e) {
      if (!isStatus(e, 412, 409)) throw e;
    }
  }

  async marks(pool: string, instanceId: string): Promise<Partial<Record<HostMark, { at: string; detail?: string }>>> {
    const out: Partial<Record<HostMark, { at: string; detail?: string }>> = {};
    for (const mark of ["asked", "install-failed", "in-service"] as const) {
      const got = await this.getJson<{ at: string; detail?: string }>(markKey(pool, instanceId, mark));
      if (got) out[mark] = got.value;
    }
    return out;
  }

  /** Every host mark in the pool, from one listing (the reaper runs every minute: no GET per host and mark). */
  async poolMarks(pool: string): Promise<Map<string, Partial<Record<HostMark, { at: string; detail?: string }>>>> {
    const out = new Map<string, Partial<Record<HostMark, { at: string; detail?: string }>>>();
    const prefix = `${HOSTS}${pool}/`;
    for (const key of await this.listKeys(prefix)) {
      const m = /^([^/]+)\/(asked|install-failed|in-service)\.json$/.exec(key.slice(prefix.length));
      if (!m) continue;
      const got = await this.getJson<{ at: string; detail?: string }>(key);
      if (!got) continue;
      const marks = out.get(m[1]!) ?? {};
      marks[m[2] as HostMark] = got.value;
      out.set(m[1]!, marks);
    }
    return out;
  }

  /** Instances with any record in the pool (slots or marks), for the reaper's sweep. */
  async instancesWithRecords(pool: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const prefix of [`${BROKER}${pool}/`, `${HOSTS}${pool}/`]) {
      for (const key of await this.listKeys(prefix)) {
        const id = key.slice(prefix.length).split("/")[0];
        if (id) ids.add(id);
      }
    }
    return [...ids];
  }

  async forgetHost(pool: string, instanceId: string): Promise<void> {
    for (const key of [...(await this.listKeys(instancePrefix(pool, instanceId))), ...(await this.listKeys(`${HOSTS}${pool}/${instanceId}/`))]) {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    }
  }
}
