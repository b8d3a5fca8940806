import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuthFor, serveGit, type GitHttpServer } from "../helpers/git-http";
import { argvRecorder, type Job } from "./runner";

export interface Fixture {
  tmp: string;
  /** Where the server keeps <owner>/<repo>. */
  root: string;
  token: string;
  /** Every form the token could leak in: itself, user:token, and the base64 of the header. */
  secrets: string[];
  server: GitHttpServer;
  argvLog: string;
  cache: string;
  job(over?: { with?: Record<string, string>; env?: Record<string, string>; github?: Partial<Job["github"]>; workspace?: string; uid?: number }): Job;
  mirror(owner: string, repo: string): string;
  close(): Promise<void>;
}

export async function fixture(name: string): Promise<Fixture> {
  const tmp = mkdtempSync(join(tmpdir(), `checkout-${name}-`));
  chmodSync(tmp, 0o755); // some jobs run under their own uid
  const root = join(tmp, "srv");
  mkdirSync(root);
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  const server = await serveGit(root, token);
  const rec = argvRecorder(join(tmp, "bin"));
  const cache = join(tmp, "cache");
  const home = join(tmp, "home");
  mkdirSync(home);
  let n = 0;
  return {
    tmp,
    root,
    token,
    secrets: [token, `x-access-token:${token}`, basicAuthFor(token).slice(6)],
    server,
    argvLog: rec.log,
    cache,
    job(over = {}) {
      n++;
      const workspace = over.workspace ?? join(tmp, "runners", String(n), "_work", "widgets", "widgets");
      mkdirSync(workspace, { recursive: true });
      return {
        workspace,
        github: { repository: "acme/widgets", sha: "", ref: "refs/heads/main", token, server_url: server.url, ...over.github },
        env: { PATH: rec.path, HOME: home, RUNNER_FLEET_CACHE_DIR: cache, ...over.env },
        with: over.with ?? {},
        ...(over.uid === undefined ? {} : { uid: over.uid }),
      };
    },
    mirror: (owner, repo) => join(cache, "git-mirrors", new URL(server.url).host.replace(":", "_"), owner, `${repo}.git`),
    async close() {
      await server.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
