import { connect } from "node:net";
import { basename, dirname, resolve } from "node:path";
import type { Options } from "./inputs";
import { Refusal } from "./runner";

/**
 * The host's git keeper (host/agent/git-keeper.ts; wire format protocol/git-keeper.ts, spelled
 * again here because the action ships alone): the agent, as root, fetches into a mirror the job
 * can only read, with the job's token sent over the slot's own socket for this one request, and
 * keeps finished trees out of every job's reach until it has checked them.
 */
export interface KeeperTree {
  path: string;
  id: string;
  base: string;
  restore: string[];
}

export type KeeperAnswer =
  | { v: 1; ok: true; objects: string; sha: string; ref: string; refs: [string, string][]; tree?: KeeperTree }
  | { v: 1; ok: true; returned: boolean }
  | { v: 1; ok: false; refusal: boolean; message: string };

export type KeeperResult = { v: 1; ok: true; objects: string; sha: string; ref: string; refs: [string, string][]; tree?: KeeperTree };

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** One JSON line to the keeper, one back. */
function exchange(socket: string, req: object, timeoutMs: number): Promise<KeeperAnswer> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let buf = "";
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`the git keeper at ${socket} did not answer in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    c.setEncoding("utf8");
    c.on("connect", () => c.write(`${JSON.stringify(req)}\n`));
    c.on("data", (d: string) => (buf += d));
    c.on("error", (e) => {
      clearTimeout(t);
      reject(new Error(`cannot reach the git keeper at ${socket}: ${e.message}`));
    });
    c.on("end", () => {
      clearTimeout(t);
      let a: KeeperAnswer;
      try {
        a = JSON.parse(buf) as KeeperAnswer;
      } catch {
        return reject(new Error(`the git keeper at ${socket} sent no answer`));
      }
      if (!a.ok) return reject(a.refusal ? new Refusal(a.message) : new Error(`git keeper: ${a.message}`));
      resolve(a);
    });
  });
}

const repoOf = (o: Options) => ({ v: 1, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo });

export async function askKeeper(socket: string, o: Options, tree: boolean, timeoutMs: number): Promise<KeeperResult> {
  const want = o.target;
  // fetch-depth 0 asks for every branch and tag; otherwise the job's commit and its branch, as actions/checkout.
  const a = await exchange(socket, { ...repoOf(o), token: o.token, want, tree, all: o.fetchDepth === 0 }, timeoutMs);
  // What we will trust: a commit id, an absolute objects directory, refs by name and id, a tree in our cache.
  if (!("objects" in a) || !SHA.test(a.sha) || !a.objects.startsWith("/") || a.objects.includes("\n") || !Array.isArray(a.refs) || a.refs.some((r) => !SHA.test(r[1]) || !/^refs\/(remotes\/origin|tags)\/[^\s]+$/.test(r[0]))) {
    throw new Error("the git keeper's answer is malformed");
  }
  const t = a.tree;
  if (t !== undefined && (!tree || o.cacheDir === undefined || dirname(t.path) !== resolve(o.cacheDir) || !basename(t.path).startsWith(".keeper-") || !SHA.test(t.base) || !Array.isArray(t.restore) || t.restore.some((p) => typeof p !== "string" || p === "" || p.startsWith("/") || p.split("/").includes(".."))))
    throw new Error("the git keeper's tree is malformed");
  if (want.kind === "sha" && a.sha !== want.sha) throw new Error(`the git keeper answered ${a.sha} for ${want.sha}`);
  return a;
}

/** Post step: the tree, moved to `name` in the cache, given back; false when the keeper does not keep it. */
export async function giveBack(socket: string, o: { serverUrl: string; owner: string; repo: string }, name: string, id: string, sha: string, keep: number): Promise<boolean> {
  const a = await exchange(socket, { v: 1, op: "return", serverUrl: o.serverUrl, owner: o.owner, repo: o.repo, name, id, sha, keep }, 60_000);
  return "returned" in a && a.returned === true;
}
