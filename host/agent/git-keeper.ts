import { spawn } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import type { KeeperAnswer, KeeperRequest, KeeperWant } from "../../protocol/git-keeper";

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

interface Git {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * git as the keeper runs it: no config but the mirror's own (no system or global file, no HOME),
 * no replace objects, no prompts, no hooks or fsmonitor, and the token only as a header in the
 * environment of the commands that talk to the server.
 */
export function keeperEnv(auth?: { serverUrl: string; token: string }): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/nonexistent",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
    GIT_PROTOCOL_FROM_USER: "0",
    GIT_ALLOW_PROTOCOL: "http:https",
  };
  if (auth) {
    const basic = Buffer.from(`x-access-token:${auth.token}`, "utf8").toString("base64");
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = `http.${auth.serverUrl.replace(/\/+$/, "")}/.extraheader`;
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${basic}`;
  }
  return env;
}

const SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "transfer.fsckObjects=true", "-c", "protocol.file.allow=never"];

function git(args: string[], auth?: { serverUrl: string; token: string }, timeoutMs = 30 * 60_000): Promise<Git> {
  return new Promise((resolve) => {
    const p = spawn("git", [...SAFE, ...args], { cwd: "/", env: keeperEnv(auth), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => (err = (err + b.toString("utf8")).slice(-4000)));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.once("error", (e) => resolve({ code: -1, stdout: "", stderr: e.message }));
    p.once("close", (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: err });
    });
  });
}

async function gitOk(args: string[], auth?: { serverUrl: string; token: string }): Promise<string> {
  const r = await git(args, auth);
  if (r.code !== 0) throw new Error(`git ${args[0] === "-C" ? args[2] : args[0]} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return r.stdout;
}

/** The request as sent, checked field by field; anything else is refused before git runs. */
export function parseRequest(line: string, servers: string[]): KeeperRequest {
  let r: KeeperRequest;
  try {
    r = JSON.parse(line) as KeeperRequest;
  } catch {
    throw new KeeperRefusal("the request is not JSON");
  }
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
  return { v: 1, serverUrl: server, owner: r.owner, repo: r.repo, token: r.token, want: w };
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

export class GitKeeper {
  private queues = new Map<string, Promise<unknown>>();
  private servers: Server[] = [];

  constructor(private readonly o: { servers: string[]; log?: (msg: string, fields: Record<string, unknown>) => void }) {}

  /** One request at a time per mirror: a fetch never races another's into the same repository. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /**
   * Fetches what the job asked for into the slot's mirror under `root` (made root:gid 0750) and
   * answers with the commit, checked against upstream's own answer over the same authentication.
   */
  async handle(req: KeeperRequest, root: string, gid: number): Promise<KeeperAnswer> {
    const host = new URL(req.serverUrl).host.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
    const dir = join(root, host, req.owner.toLowerCase(), `${req.repo.toLowerCase()}.git`);
    return this.serial(dir, async () => {
      rootDir(root, 0o750, gid);
      rootDir(join(root, host), 0o755);
      rootDir(join(root, host, req.owner.toLowerCase()), 0o755);
      if (!exists(join(dir, "HEAD"))) {
        rmSync(dir, { recursive: true, force: true });
        await gitOk(["init", "--bare", "--quiet", "--template=", dir]);
      }
      // Root's file, rewritten by root only; what is set here is what every fetch runs with.
      for (const [k, v] of [
        ["gc.auto", "0"], // a job borrows objects while it runs: never pruned under it
        ["transfer.fsckObjects", "true"],
        ["fetch.fsckObjects", "true"],
        ["core.hooksPath", "/dev/null"],
      ]) await gitOk(["-C", dir, "config", k!, v!]);
      const url = `${req.serverUrl}/${req.owner}/${req.repo}`;
      const auth = { serverUrl: req.serverUrl, token: req.token };
      const w = req.want;
      const extra = w.kind === "ref" && PULL_REF.test(w.ref) ? [w.ref] : w.kind === "sha" && PULL_REF.test(w.ref) ? [w.ref] : [];
      const fetch = async (more: string[]) => {
        const specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*", ...more];
        const r = await git(["-C", dir, "fetch", "--prune", "--force", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--end-of-options", url, ...specs], auth);
        if (r.code !== 0) throw new Error(`git fetch ${url} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
      };
      const has = async (sha: string) => (await git(["-C", dir, "cat-file", "-e", "--end-of-options", `${sha}^{commit}`])).code === 0;
      const local = async (ref: string) => {
        const r = await git(["-C", dir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      };
      const mirrored = (ref: string) => (ref.startsWith("refs/heads/") ? `refs/remotes/origin/${ref.slice(11)}` : ref);

      const { tips, head } = await lsRemote(url, auth, extra);
      let sha: string;
      let ref: string;
      if (w.kind === "sha") {
        sha = w.sha;
        ref = w.ref;
        if (!(await has(sha))) {
          await fetch(extra.map((e) => `+${e}:${e}`));
          if (!(await has(sha))) {
            // Not on any branch, tag or the named pull ref: asked for by id (GitHub serves reachable commits).
            const r = await git(["-C", dir, "fetch", "--no-tags", "--no-write-fetch-head", "--end-of-options", url, `+${sha}:refs/runner-fleet/sha/${sha}`], auth);
            if (r.code !== 0 || !(await has(sha))) throw new KeeperRefusal(`input ref: commit ${sha} is not in ${req.owner}/${req.repo} (never pushed, or force-pushed away)`);
          }
        }
      } else {
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
      const refs = (await gitOk(["-C", dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/remotes/origin/", "refs/tags/"]))
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ") as [string, string]);
      return { v: 1, ok: true, objects: join(dir, "objects"), sha, ref, refs };
    });
  }

  /**
   * The slot's socket: a fresh path in `dir` (root's, 0755), owned by the slot's uid and 0600 so
   * only its processes connect. One request per connection.
   */
  async serve(socket: string, user: { uid: number; gid: number }, mirrorRoot: string): Promise<Server> {
    rootDir(dirname(socket), 0o755);
    rmSync(socket, { force: true });
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
        let req: KeeperRequest;
        try {
          req = parseRequest(buf.slice(0, nl), this.o.servers);
        } catch (e) {
          return answer({ v: 1, ok: false, refusal: true, message: e instanceof Error ? e.message : String(e) });
        }
        const t0 = Date.now();
        this.handle(req, mirrorRoot, user.gid).then(
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

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
