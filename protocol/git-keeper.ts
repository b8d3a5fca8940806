/**
 * The git keeper's wire format: what the checkout action asks the host agent over the slot's own
 * unix socket ($RUNNER_FLEET_GIT_SOCKET), one JSON line each way. The agent (root) keeps the
 * mirror; the slot only reads its objects. checkout/ cannot import this file (it ships alone), so
 * checkout/src/keeper.ts spells the same shape; the keeper tests run the bundled action against
 * the real keeper, which is what holds the two together.
 */
export type KeeperWant = { kind: "sha"; sha: string; ref: string } | { kind: "ref"; ref: string } | { kind: "default-branch" };

export interface KeeperRequest {
  v: 1;
  /** https://github.com (or a server the agent was told to allow). */
  serverUrl: string;
  owner: string;
  repo: string;
  /** The job's token: used for this request's fetch and ls-remote, never stored or logged. */
  token: string;
  want: KeeperWant;
}

export type KeeperAnswer =
  | {
      v: 1;
      ok: true;
      /** The mirror's objects directory, read-only to the slot: the job's checkout borrows it (alternates). */
      objects: string;
      sha: string;
      /** The full ref the commit came from ("" for a bare SHA). */
      ref: string;
      /** Branches (as refs/remotes/origin/*) and tags, for the job's own refs. */
      refs: [string, string][];
    }
  | { v: 1; ok: false; refusal: boolean; message: string };
