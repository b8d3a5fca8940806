import { connect } from "node:net";
import type { Options } from "./inputs";
import { Refusal } from "./runner";

/**
 * The host's git keeper (host/agent/git-keeper.ts; wire format protocol/git-keeper.ts, spelled
 * again here because the action ships alone): the agent, as root, fetches into a mirror the job
 * can only read, with the job's token sent over the slot's own socket for this one request.
 */
export type KeeperAnswer =
  | { v: 1; ok: true; objects: string; sha: string; ref: string; refs: [string, string][] }
  | { v: 1; ok: false; refusal: boolean; message: string };

export type KeeperResult = Extract<KeeperAnswer, { ok: true }>;

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function askKeeper(socket: string, o: Options, timeoutMs: number): Promise<KeeperResult> {
  const want = o.target;
  const req = { v: 1, serverUrl: o.serverUrl.href.replace(/\/+$/, ""), owner: o.owner, repo: o.repo, token: o.token, want };
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
      // What we will trust: a commit id, an absolute objects directory, refs by name and id.
      if (!SHA.test(a.sha) || !a.objects.startsWith("/") || a.objects.includes("\n") || !Array.isArray(a.refs) || a.refs.some((r) => !SHA.test(r[1]) || !/^refs\/(remotes\/origin|tags)\/[^\s]+$/.test(r[0]))) {
        return reject(new Error("the git keeper's answer is malformed"));
      }
      if (want.kind === "sha" && a.sha !== want.sha) return reject(new Error(`the git keeper answered ${a.sha} for ${want.sha}`));
      resolve(a);
    });
  });
}
