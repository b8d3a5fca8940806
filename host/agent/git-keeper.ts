import { chmodSync, chownSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import type { KeeperAnswer, KeeperRepo, KeeperRequest, KeeperReturn, KeeperWant } from "../../protocol/git-keeper";
import { keeperGit as git, keeperGitOk, type Auth } from "./keeper-git";
import { maintainMirror } from "./keeper-mirror";
import { KeeperTrees } from "./keeper-trees";

export { keeperEnv } from "./keeper-git";

/**
 * The git keeper: the host agent, as root, keeps each slot's git mirrors and fetches into them on
 * the checkout action's request (a JSON line over a unix socket only the slot's uid can open),
 * with the job's token, which it uses for that request and never stores. The mirror is root's and
 * only readable by the slot (0750 root:<slot gid>): no job can write its config, attributes, hooks,
 * replace refs or objects, so nothing a job does there reaches a later job. The job's checkout is
 * its own repository that borrows the mirror's objects through `alternates` (checkout/src/owned.ts).
 *
 * The mirror is per slot, not per host: its objects are readable by every reader, and a slot's
 * jobs may belong to repositories another slot's token could not read.
 */

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const NAME = /^[A-Za-z0-9_.-]+$/;
/** Only these are fetched beside branches and tags: what a pull request's job asks for. */
const PULL_REF = /^refs\/pull\/\d+\/(?:head|merge)$/;
const MAX_REQUEST = 64 * 1024;

export class KeeperRefusal extends Error {}

const gitOk = (args: string[], auth?: Auth) => keeperGitOk(args, auth ? { auth } : {});

/** A line of JSON from the action, or a refusal. */
function parseLine<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new KeeperRefusal("the request is not JSON");
  }
}

/** Version, server and repository of a request or a return: a server this host mirrors, plain names. */
function parseRepo(r: Partial<KeeperRepo> | null, servers: string[]): KeeperRepo {
  if (r?.v !== 1) throw new KeeperRefusal("unknown request version");
  let url: URL;
  try {
    url = new URL(String(r.serverUrl));
  } catch {
    throw new KeeperRefusal(`server ${String(r.serverUrl)} is not a URL`);
  }
  const server = url.href.replace(/\/+$/, "");
  if (!servers.map((s) => s.replace(/\/+$/, "")).includes(server)) throw new KeeperRefusal(`server ${server} is not one this host mirrors (${servers.join(", ")})`);
  for (const k of ["owner", "repo"] as const) {
    if (typeof r[k] !== "string" || !NAME.test(r[k]) || r[k] === "." || r[k] === "..") throw new KeeperRefusal(`${k} '${String(r[k])}' is not a repository name`);
  }
  return { v: 1, serverUrl: server, owner: r.owner!, repo: r.repo! };
}

/** The request as sent, checked field by field; anything else is refused before git runs. */
export function parseRequest(line: string, servers: string[]): KeeperRequest {
  // JSON may be null: parseRepo refuses it before any other field is read.
  const r = parseLine<KeeperRequest>(line);
  const repo = parseRepo(r, servers);
  if (typeof r.token !== "string" || /[\r\n]/.test(r.token)) throw new KeeperRefusal("token must be a string");
  const w = r.want as KeeperWant | undefined;
  const okRef = (s: unknown): s is string => typeof s === "string" && s.length > 0 && s.length < 256 && !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|^-|^\/|\/$|\.lock(\/|$)|\/\./.test(s);
  if (w?.kind === "sha") {
    if (typeof w.sha !== "string" || !SHA.test(w.sha) || (w.ref !== "" && !okRef(w.ref))) throw new KeeperRefusal("want: a sha needs 40 or 64 lowercase hex digits and a valid ref or ''");
  } else if (w?.kind === "ref") {
    if (!okRef(w.ref)) throw new KeeperRefusal(`want: '${String(w.ref)}' is not a valid ref name`);
  } else if (w?.kind !== "default-branch") {
    throw new KeeperRefusal("want must be sha, ref or default-branch");
  }
  if (r.all !== undefined && typeof r.all !== "boolean") throw new KeeperRefusal("all must be true or false");
  // An action from before `all` existed expected every branch and tag.
  return { ...repo, token: r.token, want: w, tree: r.tree === true, all: r.all ?? true };
}

/** A post step's return of its tree: the same repository checks, a plain name in the slot's cache. */
export function parseReturn(line: string, servers: string[]): KeeperReturn {
  const r = parseLine<KeeperReturn>(line);
  const repo = parseRepo(r, servers);
  if (typeof r.name !== "string" || !/^\.return-[A-Za-z0-9-]{1,80}$/.test(r.name)) throw new KeeperRefusal("return: name must be .return-<id> in the slot's cache");
  if (typeof r.id !== "string" || !/^[A-Za-z0-9-]{0,80}$/.test(r.id)) throw new KeeperRefusal("return: id is not a tree id");
  if (typeof r.sha !== "string" || !SHA.test(r.sha)) throw new KeeperRefusal("return: sha is not a commit id");
  if (!Number.isInteger(r.keep) || r.keep < 0) throw new KeeperRefusal("return: keep must be an integer ≥ 0");
  return { ...repo, op: "return", name: r.name, id: r.id, sha: r.sha, keep: r.keep };
}

/** Root's directory, at this mode and group, never through a link. */
function rootDir(path: string, mode: number, gid = 0): void {
  mkdirSync(path, { recursive: true, mode });
  const st = lstatSync(path);
  if (!st.isDirectory()) throw new Error(`${path} is not a directory`);
  chownSync(path, 0, gid);
  chmodSync(path, mode);
}

/** ls-remote's answer: ref → commit (tags peeled), and the default branch. */
async function lsRemote(url: string, auth: { serverUrl: string; token: string }, extra: string[]): Promise<{ tips: Map<string, string>; head: string | undefined }> {
  const out = await gitOk(["ls-remote", "--symref", "--end-of-options", url, "HEAD", "refs/heads/*", "refs/tags/*", ...extra], auth);
  const tips = new Map<string, string>();
  let head: string | undefined;
  for (const line of out.split("\n")) {
    const sym = /^ref: (refs\/heads\/\S+)\tHEAD$/.exec(line);
    if (sym) head = sym[1];
    const [sha, name] = line.split("\t");
    if (!sha || !name || !SHA.test(sha)) continue;
    if (name.endsWith("^{}")) tips.set(name.slice(0, -3), sha);
    else if (!tips.has(name)) tips.set(name, sha);
  }
  return { tips, head };
}

/** A slot as the keeper serves it: its uid and gid, its mirrors, and its shelved trees if it has a cache. */
interface SlotCtx {
  uid: number;
  gid: number;
  mirrorRoot: string;
  trees?: KeeperTrees;
  /** Mirrors fetched into since the last settle: their upkeep is due then. */
  fetched: Set<string>;
}

const repoKey = (r: { serverUrl: string; owner: string; repo: string }) => `${new URL(r.serverUrl).host.toLowerCase().replace(/[^a-z0-9._-]/g, "_")}/${r.owner.toLowerCase()}/${r.repo.toLowerCase()}`;

export class GitKeeper {
  private queues = new Map<string, Promise<unknown>>();
  private servers: Server[] = [];
  private slots = new Map<string, SlotCtx>();
  /** Mirrors this keeper made or configured: their config is root's and written once. */
  private ready = new Set<string>();

  constructor(private readonly o: { servers: string[]; log?: (msg: string, fields: Record<string, unknown>) => void }) {}

  /** One request at a time per key: a fetch never races another's into the same repository. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private mirrorDir(root: string, r: { serverUrl: string; owner: string; repo: string }): string {
    const [host, owner, repo] = repoKey(r).split("/") as [string, string, string];
    return join(root, host, owner, `${repo}.git`);
  }

  /**
   * Fetches what the job asked for into the slot's mirror (made root:gid 0750) and answers with
   * the commit, checked against upstream's own answer over the same authentication; with a
   * shelved tree of that repository, if root has one ready and the job can take it.
   */
  async handle(req: KeeperRequest, slot: SlotCtx): Promise<KeeperAnswer> {
    const fetched = await this.fetchFor(req, slot);
    if (!req.tree || !slot.trees) return fetched;
    const trees = slot.trees;
    const tree = await this.serial(trees.s.root, async () => trees.handOut(repoKey(req), fetched.sha));
    return tree ? { ...fetched, tree } : fetched;
  }

  private async fetchFor(req: KeeperRequest, slot: SlotCtx): Promise<Extract<KeeperAnswer, { refs: unknown }>> {
    const root = slot.mirrorRoot;
    const dir = this.mirrorDir(root, req);
    const host = dirname(dirname(dir));
    return this.serial(dir, async () => {
      slot.fetched.add(dir);
      if (!this.ready.has(dir) || !exists(join(dir, "HEAD"))) {
        rootDir(root, 0o750, slot.gid);
        rootDir(host, 0o755);
        rootDir(dirname(dir), 0o755);
        if (!exists(join(dir, "HEAD"))) {
          rmSync(dir, { recursive: true, force: true });
          await gitOk(["init", "--bare", "--quiet", "--template=", dir]);
        }
        // Root's file, written by root only (the directory is root's, 0750 to the slot's group);
        // what is set here is what every fetch runs with.
        for (const [k, v] of [
          ["gc.auto", "0"], // a job borrows objects while it runs: never pruned under it
          ["transfer.fsckObjects", "true"],
          ["fetch.fsckObjects", "true"],
          ["core.hooksPath", "/dev/null"],
          // Neither changes what is fetched; each costs a process or a history walk per fetch.
          ["maintenance.auto", "false"],
          ["fetch.showForcedUpdates", "false"],
        ]) await gitOk(["-C", dir, "config", k!, v!]);
        this.ready.add(dir);
      }
      const url = `${req.serverUrl}/${req.owner}/${req.repo}`;
      const auth = { serverUrl: req.serverUrl, token: req.token };
      const w = req.want;
      const extra = w.kind === "ref" && PULL_REF.test(w.ref) ? [w.ref] : w.kind === "sha" && PULL_REF.test(w.ref) ? [w.ref] : [];
      const fetch = async (more: string[]) => {
        const specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*", ...more];
        const r = await git(["-C", dir, "fetch", "--prune", "--force", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--end-of-options", url, ...specs], { auth });
        if (r.code !== 0) throw new Error(`git fetch ${url} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
      };
      const has = async (sha: string) => (await git(["-C", dir, "cat-file", "-e", "--end-of-options", `${sha}^{commit}`])).code === 0;
      const local = async (ref: string) => {
        const r = await git(["-C", dir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      };
      const mirrored = (ref: string) => (ref.startsWith("refs/heads/") ? `refs/remotes/origin/${ref.slice(11)}` : ref);

      const listRefs = async () =>
        (await gitOk(["-C", dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/remotes/origin/", "refs/tags/"]))
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(" ") as [string, string]);
      let sha: string;
      let ref: string;
      const exact = w.kind === "sha" && !req.all ? exactRef(w.ref, w.sha) : undefined;
      if (exact !== undefined && w.kind === "sha") {
        // What actions/checkout does for a job's commit: that one commit by id, into the job's own
        // ref, and no other ref (no ref advertisement is asked for). Already in the mirror: git
        // sees it and asks the server nothing.
        const r = await git(["-C", dir, "fetch", "--force", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--end-of-options", url, `+${w.sha}:${exact}`], { auth });
        if (r.code === 0) return { v: 1, ok: true, objects: join(dir, "objects"), sha: w.sha, ref: w.ref, refs: exact.startsWith("refs/remotes/origin/") ? [[exact, w.sha]] : [] };
        // Gone from the server, or not served by id: the full fetch below says which.
      }
      if (w.kind === "sha") {
        // No ls-remote: the commit is named.
        sha = w.sha;
        ref = w.ref;
        // Every branch and tag as upstream has them now: fetched even when the commit is here.
        if (req.all) await fetch(extra.map((e) => `+${e}:${e}`));
        if (!(await has(sha))) {
          if (!req.all) await fetch(extra.map((e) => `+${e}:${e}`));
          if (!(await has(sha))) {
            // Not on any branch, tag or the named pull ref: asked for by id (GitHub serves reachable commits).
            const r = await git(["-C", dir, "fetch", "--no-tags", "--no-write-fetch-head", "--end-of-options", url, `+${sha}:refs/runner-fleet/sha/${sha}`], { auth });
            if (r.code !== 0 || !(await has(sha))) throw new KeeperRefusal(`input ref: commit ${sha} is not in ${req.owner}/${req.repo} (never pushed, or force-pushed away)`);
          }
        }
      } else {
        const { tips, head } = await lsRemote(url, auth, extra);
        const name = w.kind === "default-branch" ? head : w.ref;
        if (!name) throw new KeeperRefusal(`input ref: ${req.owner}/${req.repo} has no default branch (an empty repository?)`);
        const full = name.startsWith("refs/") ? name : [`refs/heads/${name}`, `refs/tags/${name}`].find((r) => tips.has(r));
        if (!full || !tips.has(full)) {
          if (name.startsWith("refs/")) throw new KeeperRefusal(`input ref: '${name}' does not exist in ${req.owner}/${req.repo}`);
          throw new KeeperRefusal(`input ref: '${name}' is not a branch or tag of ${req.owner}/${req.repo} (deleted?)`);
        }
        if (!full.startsWith("refs/heads/") && !full.startsWith("refs/tags/") && !PULL_REF.test(full)) throw new KeeperRefusal(`input ref: '${full}' is not a branch, tag or pull request ref`);
        ref = full;
        sha = tips.get(full)!;
        // The tip upstream reports is the commit checked out: fetched unless the mirror has it at that ref already.
        if ((await local(mirrored(full))) !== sha || !(await has(sha))) await fetch(extra.map((e) => `+${e}:${e}`));
        if (!(await has(sha))) throw new KeeperRefusal(`input ref: '${full}' moved while it was fetched (upstream reported ${sha}); try again`);
      }

      return { v: 1, ok: true, objects: join(dir, "objects"), sha, ref, refs: await listRefs() };
    });
  }

  /** A post step gives its tree back; false when the keeper does not keep it (the action removes it). */
  async takeBack(r: KeeperReturn, slot: SlotCtx): Promise<KeeperAnswer> {
    const trees = slot.trees;
    if (!trees) return { v: 1, ok: true, returned: false };
    const returned = await this.serial(trees.s.root, async () => trees.takeBack(repoKey(r), r.name, r.id, r.sha, r.keep));
    return { v: 1, ok: true, returned };
  }

  /**
   * The agent's call once a slot's job is over and none of its processes is left: trees given back
   * during it are checked by root now, before the next job may take one. Until then none is given out.
   */
  async settle(socket: string): Promise<void> {
    const slot = this.slots.get(socket);
    if (!slot) return;
    const trees = slot.trees;
    if (trees) {
      await this.serial(trees.s.root, () =>
        trees.settle(async (key, sha) => {
          const [host, owner, repo] = key.split("/") as [string, string, string];
          const dir = join(slot.mirrorRoot, host, owner, `${repo}.git`);
          const ok = (await git(["-C", dir, "cat-file", "-e", "--end-of-options", `${sha}^{commit}`])).code === 0;
          return ok ? join(dir, "objects") : undefined;
        }),
      );
    }
    // Nothing of the slot is running: no job reads the packs its mirrors' upkeep replaces.
    const due = [...slot.fetched];
    slot.fetched.clear();
    for (const dir of due) {
      const done = await this.serial(dir, () => maintainMirror(dir)).catch((e: unknown) => {
        this.o.log?.("git keeper could not repack a mirror", { mirror: dir, error: e instanceof Error ? e.message : String(e) });
        return "none" as const;
      });
      if (done !== "none") this.o.log?.(`git keeper ${done} a mirror`, { mirror: dir });
    }
  }

  /**
   * The slot's socket: a fresh path in `dir` (root's, 0755), owned by the slot's uid and 0600 so
   * only its processes connect. One request per connection. With `trees` (root's directory for
   * trees in custody, and the slot's cache where they are handed over), finished trees are kept.
   */
  async serve(socket: string, user: { uid: number; gid: number }, mirrorRoot: string, trees?: { root: string; cache: string }): Promise<Server> {
    rootDir(dirname(socket), 0o755);
    rmSync(socket, { force: true });
    const slot: SlotCtx = { uid: user.uid, gid: user.gid, mirrorRoot, fetched: new Set(), ...(trees ? { trees: new KeeperTrees({ ...trees, uid: user.uid, gid: user.gid }, this.o.log) } : {}) };
    this.slots.set(socket, slot);
    const server = createServer((conn) => {
      let buf = "";
      let done = false;
      const answer = (a: KeeperAnswer) => {
        if (done) return;
        done = true;
        conn.end(`${JSON.stringify(a)}\n`);
      };
      conn.setEncoding("utf8");
      conn.on("error", () => undefined);
      conn.on("data", (chunk: string) => {
        buf += chunk;
        if (buf.length > MAX_REQUEST) return answer({ v: 1, ok: false, refusal: true, message: "request too large" });
        const nl = buf.indexOf("\n");
        if (nl < 0 || done) return;
        const line = buf.slice(0, nl);
        let op: unknown;
        try {
          op = (JSON.parse(line) as { op?: unknown })?.op;
        } catch {
          op = undefined;
        }
        if (op === "return") {
          let ret: KeeperReturn;
          try {
            ret = parseReturn(line, this.o.servers);
          } catch (e) {
            return answer({ v: 1, ok: false, refusal: true, message: e instanceof Error ? e.message : String(e) });
          }
          this.takeBack(ret, slot).then(answer, (e: unknown) => answer({ v: 1, ok: false, refusal: false, message: e instanceof Error ? e.message : String(e) }));
          return;
        }
        let req: KeeperRequest;
        try {
          req = parseRequest(line, this.o.servers);
        } catch (e) {
          return answer({ v: 1, ok: false, refusal: true, message: e instanceof Error ? e.message : String(e) });
        }
        const t0 = Date.now();
        this.handle(req, slot).then(
          (a) => {
            this.o.log?.("git keeper fetched", { repo: `${req.owner}/${req.repo}`, ms: Date.now() - t0 });
            answer(a);
          },
          (e: unknown) => {
            // The token never reaches a message: git is given it only in its environment.
            const message = (e instanceof Error ? e.message : String(e)).split(req.token).join("***");
            this.o.log?.("git keeper refused", { repo: `${req.owner}/${req.repo}`, error: message });
            answer({ v: 1, ok: false, refusal: e instanceof KeeperRefusal, message });
          },
        );
      });
    });
    await new Promise<void>((res, rej) => {
      server.once("error", rej);
      server.listen(socket, () => res());
    });
    chownSync(socket, user.uid, user.gid);
    chmodSync(socket, 0o600);
    this.servers.push(server);
    return server;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}

/**
 * Where a job's commit is fetched to on the exact path: its branch as refs/remotes/origin/<name>,
 * its pull request ref as itself, a bare SHA under the keeper's own prefix. A tag (or any other
 * ref) takes the full fetch, which brings the tag object as upstream has it.
 */
function exactRef(ref: string, sha: string): string | undefined {
  if (ref === "") return `refs/runner-fleet/sha/${sha}`;
  if (ref.startsWith("refs/heads/")) return `refs/remotes/origin/${ref.slice(11)}`;
  if (PULL_REF.test(ref)) return ref;
  return undefined;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
