import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED } from "../helpers/env";

export const RUNNER_UPSTREAM = join(SHARED, "upstream/actions-runner-2.336.0");

export interface Tarball {
  file: string;
  bytes: Buffer;
  sha256: string;
  /** The bytes of externals/node24/bin/node inside. */
  nodeSha256: string;
}

/**
 * A runner release tarball laid out as actions/runner ships it (externals.sh): the real root
 * scripts from ../shared/upstream, a glibc Node at externals/node24 (this machine's, which runs in
 * the Debian 12 root) and, beside it, a node24_alpine that cannot start on glibc, as the musl
 * build cannot. `listener` is the bin/Runner.Listener stand-in, when a test runs jobs.
 */
export function runnerTarball(dir: string, o: { version: string; listener?: string } = { version: "2.336.0" }): Tarball {
  const root = join(dir, `layout-${o.version}`);
  for (const d of ["bin", "externals/node24/bin", "externals/node24_alpine/bin", "externals/node20/bin"]) mkdirSync(join(root, d), { recursive: true });
  for (const f of ["run.sh", "config.sh", "env.sh", "run-helper.sh.template", "safe_sleep.sh"]) {
    copyFileSync(join(RUNNER_UPSTREAM, "layoutroot", f), join(root, f));
    chmodSync(join(root, f), 0o755);
  }
  copyFileSync(join(RUNNER_UPSTREAM, "layoutbin/installdependencies.sh"), join(root, "bin/installdependencies.sh"));
  copyFileSync(process.execPath, join(root, "externals/node24/bin/node"));
  copyFileSync(process.execPath, join(root, "externals/node20/bin/node"));
  writeFileSync(join(root, "externals/node24_alpine/bin/node"), "#!/nonexistent/musl-loader\n");
  chmodSync(join(root, "externals/node24_alpine/bin/node"), 0o755);
  if (o.listener) {
    writeFileSync(join(root, "bin/Runner.Listener"), o.listener);
    chmodSync(join(root, "bin/Runner.Listener"), 0o755);
  }
  writeFileSync(join(root, "bin/runner-version"), `${o.version}\n`);
  const file = join(dir, `actions-runner-linux-x64-${o.version}.tar.gz`);
  execFileSync("tar", ["-czf", file, "-C", root, "."]);
  const bytes = readFileSync(file);
  return {
    file,
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    nodeSha256: createHash("sha256").update(readFileSync(process.execPath)).digest("hex"),
  };
}
