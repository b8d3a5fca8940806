/**
 * The runner mirror's manifest, kept by the control plane in the pools' bucket and read by hosts
 * (s3://<bucket>/runner/manifest.json). Hosts install only from the bucket, never from GitHub.
 */
export type RunnerPlatform = "linux-x64" | "linux-arm64";

export interface MirroredAsset {
  /** S3 key of the tarball, e.g. runner/2.336.0/actions-runner-linux-x64-2.336.0.tar.gz */
  key: string;
  /** Hex SHA-256, equal to the digest GitHub publishes for the release asset. */
  sha256: string;
  size: number;
}

export interface MirroredRelease {
  version: string;
  /** ISO 8601: GitHub's published_at for the release; the 30-day window counts from the next one. */
  publishedAt: string;
  assets: Record<RunnerPlatform, MirroredAsset>;
}

export interface MirrorManifest {
  v: 1;
  current: MirroredRelease;
  /** The release before current, kept so hosts mid-rollover and pinned pools still install. */
  previous?: MirroredRelease;
  /** When the control plane last checked GitHub, and what it found wrong, if anything. */
  checkedAt: string;
  lastError?: string;
}

export const MIRROR_PREFIX = "runner/";
export const MIRROR_MANIFEST_KEY = "runner/manifest.json";
