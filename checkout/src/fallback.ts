import { mkdirSync } from "node:fs";
import { emptyDir, exists, isEmptyDir } from "./fsutil";
import { git, gitOk, type Auth } from "./git";
import type { Options } from "./inputs";
import { Refusal, warning } from "./runner";

/** Where a fetched ref is kept in a plain clone, as actions/checkout names them. */
function localName(full: string): string {
  if (full.startsWith("refs/heads/")) return `refs/remotes/origin/${full.slice(11)}`;
  if (full.startsWith("refs/tags/")) return full;
  return `refs/remotes/${full.slice(5)}`;
}

async function remoteRefs(path: string, auth: Auth, patterns: string[]): Promise<Set<string>> {
  const out = await gitOk(["-C", path, "ls-remote", "origin", ...patterns], { auth });
  return new Set(out.split("\n").map((l) => l.split("\t")[1]).filter((r): r is string => !!r));
}

/**
 * The runner has no cache: a clone of just what the job needs (fetch-depth deep) into the path,
 * the same way actions/checkout does it (init, remote, fetch, detached checkout).
 */
export async function plainCheckout(o: Options): Promise<{ sha: string; ref: string }> {
  const auth: Auth = { serverUrl: o.serverUrl.href, token: o.token };
  const label = `${o.owner}/${o.repo}`;
  if (exists(o.path) && !isEmptyDir(o.path)) {
    warning(`${o.path} is not empty: removing what an earlier job left there`);
    emptyDir(o.path);
  }
  mkdirSync(o.path, { recursive: true });
  await gitOk(["init", "--quiet", o.path]);
  await gitOk(["-C", o.path, "remote", "add", "origin", o.remoteUrl]);

  const depth = o.fetchDepth > 0 ? ["--depth", String(o.fetchDepth)] : [];
  const everything = o.fetchDepth === 0 ? ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"] : [];
  const fetch = (specs: string[]) => git(["-C", o.path, "fetch", "--no-tags", "--no-recurse-submodules", ...depth, "origin", ...specs, ...everything], { auth, echo: true });
  const has = async (sha: string) => (await git(["-C", o.path, "cat-file", "-e", "--end-of-options", `${sha}^{commit}`])).code === 0;

  let sha: string;
  let ref: string;
  const t = o.target;
  if (t.kind === "sha") {
    ref = t.ref;
    sha = t.sha;
    let ok = (await fetch([sha])).code === 0 && (await has(sha));
    if (!ok && t.ref.startsWith("refs/")) ok = (await fetch([`+${t.ref}:${localName(t.ref)}`])).code === 0 && (await has(sha));
    if (!ok) throw new Refusal(`input ref: commit ${sha} is not in ${label} (never pushed, or force-pushed away)`);
  } else {
    if (t.kind === "default-branch") {
      const out = await gitOk(["-C", o.path, "ls-remote", "--symref", "origin", "HEAD"], { auth });
      const hit = /^ref: (refs\/heads\/\S+)\tHEAD$/m.exec(out);
      if (!hit) throw new Refusal(`input ref: ${label} has no default branch (an empty repository?)`);
      ref = hit[1]!;
    } else if (t.ref.startsWith("refs/")) {
      ref = t.ref;
    } else {
      const found = await remoteRefs(o.path, auth, [`refs/heads/${t.ref}`, `refs/tags/${t.ref}`]);
      const full = [`refs/heads/${t.ref}`, `refs/tags/${t.ref}`].find((r) => found.has(r));
      if (!full) throw new Refusal(`input ref: '${t.ref}' is not a branch or tag of ${label} (deleted?)`);
      ref = full;
    }
    const r = await fetch([`+${ref}:${localName(ref)}`]);
    if (r.code !== 0) {
      if (/couldn't find remote ref/i.test(r.stderr)) throw new Refusal(`input ref: '${ref}' does not exist in ${label}`);
      throw new Error(`git fetch ${ref} from ${o.remoteUrl} failed: ${r.stderr.trim()}`);
    }
    sha = (await gitOk(["-C", o.path, "rev-parse", "--verify", "--end-of-options", `${localName(ref)}^{commit}`])).trim();
  }
  await gitOk(["-C", o.path, "checkout", "--quiet", "--force", "--detach", sha], { env: { GIT_LFS_SKIP_SMUDGE: "1" } });
  return { sha, ref };
}
