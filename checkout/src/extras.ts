import { git, gitOk, type Auth } from "./git";
import type { Options } from "./inputs";
import { Refusal } from "./runner";

/** Checked before anything is fetched, so a runner without git-lfs fails at once and by name. */
export async function requireLfs(): Promise<void> {
  const r = await git(["lfs", "version"]).catch(() => ({ code: 1 }));
  if (r.code !== 0) throw new Refusal("input lfs: 'true' needs git-lfs, which is not installed on this runner");
}

/**
 * Submodules and LFS content, fetched with the same header (scoped to the server URL, so a
 * submodule on the same server authenticates too). In a worktree the LFS filter goes into the
 * worktree's own config, never the mirror's shared one.
 */
export async function submodulesAndLfs(o: Options, worktree: boolean): Promise<void> {
  const auth: Auth = { serverUrl: o.serverUrl.href, token: o.token };
  if (o.submodules !== "false") {
    const recursive = o.submodules === "recursive" ? ["--recursive"] : [];
    const depth = o.fetchDepth > 0 ? ["--depth", String(o.fetchDepth)] : [];
    await gitOk(["-C", o.path, "submodule", "sync", ...recursive]);
    await gitOk(["-C", o.path, "-c", "protocol.version=2", "submodule", "update", "--init", "--force", ...depth, ...recursive], { auth, echo: true });
  }
  if (o.lfs) {
    await gitOk(["-C", o.path, "lfs", "install", worktree ? "--worktree" : "--local", "--skip-repo"]);
    await gitOk(["-C", o.path, "lfs", "pull"], { auth, echo: true });
  }
}
