import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { debianRootNeeds, DEBIAN_SUITE, type DebianOs } from "../../components/aws/host-packages";

/**
 * The Debian roots the booted-host tests boot, one per Debian release the program deploys
 * (trixie for the default `os: debian`, bookworm for `debian-12`): built once per machine with
 * debootstrap, cached outside the repo, never written to (each boot gets an overlay of its own).
 * The container has no route to Debian's mirrors, so everything our install script would install
 * on that release is preinstalled: the script must then find nothing missing and never call apt-get.
 */
export const CACHE_DIR = process.env.RUNNER_FLEET_CACHE ?? "/var/cache/runner-fleet";
export type Suite = (typeof DEBIAN_SUITE)[DebianOs];
/** The root a pool of this OS boots on. */
export const suiteOf = (os: DebianOs): Suite => DEBIAN_SUITE[os];
/** Inside the root: a flat apt repository holding the .debs of testRepoPackages(suite). */
export const TEST_REPO = "/var/lib/runner-fleet-test-repo";
/** Two packages the install may find missing: one plain, one of an alternatives group (trixie renamed it for the 64-bit time_t transition). */
export function testRepoPackages(suite: Suite): string[] {
  return [suite === "bookworm" ? "liblttng-ust1" : "liblttng-ust1t64", "slirp4netns"];
}

/** What debootstrap installs itself (DESIGN.md §6: the recipe measured on this machine). */
const BASE = ["systemd", "systemd-sysv", "dbus", "iproute2", "iptables", "curl", "ca-certificates"];
/**
 * Beyond our install's packages: what the test itself runs inside the container (busybox-static: an
 * image for docker, built offline), and what Debian's cloud images have that minbase lacks:
 * libpam-systemd (systemd recommends it), without which no user manager starts, so a lingering
 * slot user's timers could not run here and the persistent-slot test would prove nothing.
 */
const TEST_TOOLS = ["cloud-init", "procps", "psmisc", "busybox-static", "libpam-systemd"];

export interface Mirror {
  uri: string;
  keyring?: string;
}

/**
 * The Debian mirror this machine's apt uses (deb822 .sources or one-line .list): whatever reaches
 * Debian's packages here, so no host name is written into the repo. A source for the suite itself
 * wins; else the archive of a source for another Debian release (not -security, -updates or
 * -backports, which are other archives) serves the suite too: one archive holds every release.
 */
export function debianMirror(suite: Suite, aptDir = "/etc/apt"): Mirror {
  const files: string[] = [];
  if (existsSync(join(aptDir, "sources.list"))) files.push(join(aptDir, "sources.list"));
  const d = join(aptDir, "sources.list.d");
  if (existsSync(d)) for (const f of readdirSync(d).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(d, f));
  const exact: Mirror[] = [];
  const sameArchive: Mirror[] = [];
  const take = (m: Mirror, suites: string[]): void => {
    if (suites.includes(suite)) exact.push(m);
    else if (suites.some((x) => DEBIAN_RELEASES.includes(x))) sameArchive.push(m);
  };
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    if (f.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string): string | undefined => new RegExp(`^${k}:\\s*(.+)$`, "im").exec(stanza)?.[1]?.trim();
        const types = (field("Types") ?? "").split(/\s+/);
        const uri = field("URIs")?.split(/\s+/)[0];
        if (!uri || !types.includes("deb") || !/(^|\s)main(\s|$)/.test(field("Components") ?? "")) continue;
        if (/^enabled:\s*no/im.test(stanza)) continue;
        const keyring = field("Signed-By");
        take(keyring && keyring.startsWith("/") ? { uri, keyring } : { uri }, (field("Suites") ?? "").split(/\s+/));
      }
    } else {
      for (const line of text.split("\n")) {
        const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
        if (!m || !m[4]!.split(/\s+/).includes("main")) continue;
        const keyring = /signed-by=(\S+)/.exec(m[1] ?? "")?.[1];
        take(keyring ? { uri: m[2]!, keyring } : { uri: m[2]! }, [m[3]!]);
      }
    }
  }
  const found = exact[0] ?? sameArchive[0];
  if (!found) throw new Error(`no "deb ... ${suite} main" source (nor one of another Debian release) in ${aptDir}/sources.list(.d): the root is built from the mirror this machine's apt uses`);
  return found;
}

/** Debian release codenames whose archive also serves the others (never -security or -updates: those are other archives). */
const DEBIAN_RELEASES = ["bullseye", "bookworm", "trixie", "forky", "stable", "oldstable", "testing"];

/**
 * The build as one bash script. Its text is the recipe: its hash names the cache entry, so any
 * change to the packages or the steps builds a new root beside the old one. Runs under flock, so
 * two test files never build at once; builds in a temp dir on the same file system and renames.
 */
export function buildScript(suite: Suite): string {
  // Each need is a list of alternatives (libssl3t64 | libssl3 …): the first the suite has is taken.
  const os = (Object.keys(DEBIAN_SUITE) as DebianOs[]).find((o) => DEBIAN_SUITE[o] === suite)!;
  const needs = [...debianRootNeeds(os), ...TEST_TOOLS.map((t) => [t])].filter((n) => !n.some((p) => BASE.includes(p)));
  return `#!/bin/bash
set -euo pipefail
final="$1" mirror="$2" keyring="\${3:-}"
[ -d "$final" ] && exit 0
tmp="$final.tmp-$$"
# A build killed mid-way leaves its temp root with /proc still mounted: unmount before removing.
for old in "$final".tmp-*; do
  [ -d "$old" ] || continue
  umount -R "$old/proc" 2>/dev/null || umount -l "$old/proc" 2>/dev/null || true
  rm -rf "$old"
done
trap 'umount -R "$tmp/proc" 2>/dev/null || true; rm -rf "$tmp"' EXIT
args=(--variant=minbase "--include=${BASE.join(",")}")
[ -n "$keyring" ] && args+=(--keyring="$keyring")
debootstrap "\${args[@]}" ${suite} "$tmp" "$mirror" >"$tmp.log" 2>&1 || { tail -n 40 "$tmp.log" >&2; exit 1; }
rm -f "$tmp.log"
cp /etc/resolv.conf "$tmp/etc/resolv.conf"
# Packages are installed, never started, while the root is built.
printf '#!/bin/sh\\nexit 101\\n' > "$tmp/usr/sbin/policy-rc.d"
chmod 0755 "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
chroot "$tmp" apt-get update -q >/dev/null
pkgs=()
for need in ${needs.map((n) => `"${n.join(" ")}"`).join(" ")}; do
  pick=""
  for p in $need; do chroot "$tmp" apt-cache show "$p" >/dev/null 2>&1 && { pick="$p"; break; }; done
  [ -n "$pick" ] || { echo "${suite} has none of: $need" >&2; exit 1; }
  pkgs+=("$pick")
done
chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "\${pkgs[@]}" >"$final.apt.log" 2>&1 \\
  || { tail -n 40 "$final.apt.log" >&2; exit 1; }
rm -f "$final.apt.log"
umount "$tmp/proc"
# A local repository with two of our packages, for the test of the install's missing-package path
# (the container has no route to Debian's mirrors): one plain, one of an alternatives group.
repo="$tmp${TEST_REPO}"
mkdir -p "$repo"
for p in ${testRepoPackages(suite).join(" ")}; do cp "$tmp"/var/cache/apt/archives/"$p"_*.deb "$repo/"; done
(
  cd "$repo"
  for d in *.deb; do
    dpkg-deb -f "$d"
    printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$d" "$(stat -c %s "$d")" "$(sha256sum "$d" | cut -d' ' -f1)"
  done > Packages
  printf 'Suite: ./\nSHA256:\n %s %s Packages\n' "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" > Release
)
chroot "$tmp" apt-get clean
rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf"
# cloud-init reads only the NoCloud seed the test writes (else it probes for clouds and waits).
printf 'datasource_list: [ NoCloud, None ]\\n' > "$tmp/etc/cloud/cloud.cfg.d/90_dpkg.cfg"
# A cloud image's locale is one it has: cloud-init's default (en_US.UTF-8, never generated in a
# minbase root) fails cloud-config, and a failed unit's stop is where nspawn's hybrid cgroups have
# been seen to miss the empty-cgroup event and hang the boot.
printf 'locale: C.UTF-8\\n' > "$tmp/etc/cloud/cloud.cfg.d/91_locale.cfg"
# A fresh machine id per boot, as an AMI has.
: > "$tmp/etc/machine-id"
rm -f "$tmp/var/lib/dbus/machine-id"
# The agent's journal lines go to the console the test reads.
mkdir -p "$tmp/etc/systemd/journald.conf.d"
printf '[Journal]\\nForwardToConsole=yes\\nMaxLevelConsole=info\\nTTYPath=/dev/console\\n' > "$tmp/etc/systemd/journald.conf.d/console.conf"
# udev gives an EC2 instance /dev/net/tun 0666 (rootless docker's slirp4netns opens it as the
# slot's user); a container has no udev and nspawn makes the node 0600.
printf 'z /dev/net/tun 0666 - - -\n' > "$tmp/etc/tmpfiles.d/runner-fleet-test-tun.conf"
# Nothing in the root should wait for a network it will not get.
chroot "$tmp" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
echo ${suite} > "$tmp/.runner-fleet-rootfs"
mv -T "$tmp" "$final"
trap - EXIT
`;
}

export function recipeHash(suite: Suite): string {
  return createHash("sha256").update(buildScript(suite)).digest("hex").slice(0, 16);
}

export function rootfsPath(suite: Suite): string {
  return join(CACHE_DIR, `rootfs-${suite}-${recipeHash(suite)}`);
}

/** Whether this machine can build and boot the root at all (root, debootstrap, nspawn, ip). */
export function bootTools(): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root");
  for (const [cmd, pkg] of [["debootstrap", "debootstrap"], ["systemd-nspawn", "systemd-container"], ["ip", "iproute2"], ["flock", "util-linux"]] as const) {
    try {
      execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    } catch {
      missing.push(`${cmd} (apt-get install ${pkg})`);
    }
  }
  return { ok: missing.length === 0, missing };
}

/**
 * The cached root, built if missing (about a minute and a half here, once per machine and recipe).
 * Resolves to its path; rejects with the build's own last lines.
 */
export async function ensureRootfs(suite: Suite, timeoutMs = 15 * 60_000): Promise<string> {
  const path = rootfsPath(suite);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const mirror = debianMirror(suite);
  const lock = join(CACHE_DIR, "rootfs.lock");
  await new Promise<void>((resolve, reject) => {
    const p = spawn("flock", ["-w", String(Math.ceil(timeoutMs / 1000)), lock, "bash", "-c", buildScript(suite), "build-rootfs", path, mirror.uri, mirror.keyring ?? ""], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-6000)));
    const timer = setTimeout(() => p.kill("SIGTERM"), timeoutMs);
    p.on("exit", (code, sig) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(path)) resolve();
      else reject(new Error(`building ${path} failed (${sig ?? code}):\n${err}`));
    });
  });
  return path;
}

if (require.main === module) {
  // `npx ts-node test/boot/rootfs.ts [trixie|bookworm]`: build (or find) a root ahead of a test run.
  const suite = (process.argv[2] ?? DEBIAN_SUITE.debian) as Suite;
  ensureRootfs(suite).then(
    (p) => console.log(p),
    (e: unknown) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
