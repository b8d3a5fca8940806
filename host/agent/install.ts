import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { MirroredRelease, RunnerPlatform } from "../../protocol/mirror";

const run = promisify(execFile);

/** The glibc Node the runner ships (externals.sh); node24_alpine beside it is musl and cannot start on our hosts. */
export const RUNNER_NODE = "externals/node24/bin/node";
/** Top-level files of a release each slot gets its own copy of (run.sh resolves its directory from its own path and writes run-helper.sh beside itself). */
export const ROOT_FILES = ["run.sh", "run-helper.sh.template", "env.sh", "config.sh", "safe_sleep.sh"];

export interface Installed {
  version: string;
  dir: string;
}

export function platformOf(arch: string = process.arch): RunnerPlatform {
  if (arch === "x64") return "linux-x64";
  if (arch === "arm64") return "linux-arm64";
  throw new Error(`no runner build for ${arch}`);
}

/** Mounted /proc options, from mountinfo (the install script mounts it hidepid=2). */
export function procHidesPids(mountinfo: string): boolean {
  const line = mountinfo.split("\n").find((l) => l.split(" ")[4] === "/proc" && l.includes(" - proc "));
  return !!line && /(^|[ ,])hidepid=(2|invisible)(,|$| )/.test(line);
}

/**
 * What installdependencies.sh would have checked (and cannot install on Amazon Linux 2023): the
 * .NET native libraries resolve and ICU is present. The install script installs the packages;
 * the agent only verifies, as config.sh does.
 */
async function verifyDependencies(dir: string): Promise<void> {
  for (const lib of ["libcoreclr.so", "libSystem.Security.Cryptography.Native.OpenSsl.so", "libSystem.IO.Compression.Native.so"]) {
    const p = join(dir, "bin", lib);
    if (!existsSync(p)) continue;
    const { stdout } = await run("ldd", [p]);
    if (/not found/.test(stdout)) throw new Error(`${lib}: missing libraries: ${stdout.split("\n").filter((l) => l.includes("not found")).join("; ")}`);
  }
  if (existsSync(join(dir, "bin", "libcoreclr.so"))) {
    const { stdout } = await run("ldconfig", ["-p"]);
    if (!/libicu/.test(stdout)) throw new Error("libicu is missing (the runner's .NET needs ICU)");
  }
}

/**
 * Installs a mirrored release into <root>/runners/<version>: SHA-256 checked, extracted as root
 * with root as owner and no write bit for anyone, then renamed into place (a half install is
 * never seen). Slots run it read-only.
 */
export async function installRelease(o: { root: string; release: MirroredRelease; platform: RunnerPlatform; fetch: (key: string) => Promise<Buffer> }): Promise<Installed> {
  const { version } = o.release;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`bad runner version ${JSON.stringify(version)}`);
  const runners = join(o.root, "runners");
  mkdirSync(runners, { recursive: true, mode: 0o755 });
  const dir = join(runners, version);
  if (existsSync(dir)) {
    const st = lstatSync(dir);
    if (st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0) return { version, dir };
    rmSync(dir, { recursive: true, force: true });
  }
  const asset = o.release.assets[o.platform];
  if (!asset) throw new Error(`the mirror has no ${o.platform} build of ${version}`);
  const bytes = await o.fetch(asset.key);
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== asset.sha256) throw new Error(`${asset.key}: SHA-256 ${sha}, the manifest says ${asset.sha256}`);
  const tmp = join(runners, `.tmp-${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "x"), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(tmp, "runner.tar.gz"), bytes, { mode: 0o600 });
    await run("tar", ["-xzf", join(tmp, "runner.tar.gz"), "-C", join(tmp, "x"), "--no-same-owner", "--no-same-permissions", "--delay-directory-restore"]);
    const x = join(tmp, "x");
    const node = join(x, RUNNER_NODE);
    if (!existsSync(node) || !lstatSync(node).isFile()) throw new Error(`${asset.key} has no ${RUNNER_NODE}`);
    for (const f of ROOT_FILES.filter((f) => f !== "safe_sleep.sh")) if (!existsSync(join(x, f))) throw new Error(`${asset.key} has no ${f}`);
    if (!existsSync(join(x, "bin/Runner.Listener"))) throw new Error(`${asset.key} has no bin/Runner.Listener`);
    // Root owns every entry (-h: never through a link), nobody may write, all may read and run.
    await run("chown", ["-R", "-h", "root:root", x]);
    await run("chmod", ["-R", "u=rwX,go=rX,a-w", x]);
    await run(join(x, RUNNER_NODE), ["-e", "0"]).catch((e: Error) => {
      throw new Error(`the runner's glibc Node does not start here: ${e.message}`);
    });
    await verifyDependencies(x);
    renameSync(x, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { version, dir };
}
