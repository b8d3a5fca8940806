/**
 * The git keeper's wire format: what the checkout action asks the host agent over the slot's own
 * unix socket ($RUNNER_FLEET_GIT_SOCKET), one JSON line each way. The agent (root) keeps the
 * mirror and the shelved trees; the slot only reads the mirror's objects. checkout/ cannot import
 * this file (it ships alone), so checkout/src/keeper.ts spells the same shape; the keeper tests
 * run the bundled action against the real keeper, which is what holds the two together.
 */
export type KeeperWant = { kind: "sha"; sha: string; ref: string } | { kind: "ref"; ref: string } | { kind: "default-branch" };

/** Which repository: the keeper mirrors and shelves per server, owner and repository. */
export interface KeeperRepo {
  v: 1;
  /** https://github.com (or a server the agent was told to allow). */
  serverUrl: string;
  owner: string;
  repo: string;
}

export interface KeeperRequest extends KeeperRepo {
  op?: "checkout";
  /** The job's token: used for this request's fetch and ls-remote, never stored or logged. */
  token: string;
  want: KeeperWant;
  /** The action can take a shelved tree (no submodules, no LFS, keep-worktrees > 0). */
  tree?: boolean;
  /**
   * Every branch and tag (fetch-depth 0), as the answer's refs. Otherwise, for a job's own commit,
   * only that commit is fetched and only its branch is answered, as actions/checkout does. Absent:
   * true (what the keeper did before the flag).
   */
  all?: boolean;
}

/** Post step: the job's tree, moved by the action to `name` in the slot's cache, given back to the keeper. */
export interface KeeperReturn extends KeeperRepo {
  op: "return";
  /** A plain name (no "/") in $RUNNER_FLEET_CACHE_DIR. */
  name: string;
  /** The id of the shelved tree the job was given, if any (only a hint: stat data bind to inodes). */
  id: string;
  /** The commit the job checked out (only a hint for a tree root never gave out: a wrong one costs hashing). */
  sha: string;
  /** keep-worktrees: at most this many trees per repository are kept. */
  keep: number;
}

/** A shelved tree, verified by the keeper, moved to `path` (in the slot's cache) for the job to take. */
export interface KeeperTree {
  path: string;
  id: string;
  /** The commit its `.git/index` describes; the job reads the tree over to its own commit from there. */
  base: string;
  /** Tracked paths the keeper found changed or missing and removed: the job writes them from the index. */
  restore: string[];
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
      /** Branches (as refs/remotes/origin/*) and tags, for the job's own refs: all of them, or the job's branch only (`all` false). */
      refs: [string, string][];
      tree?: KeeperTree;
    }
  | { v: 1; ok: true; returned: boolean }
  | { v: 1; ok: false; refusal: boolean; message: string };
