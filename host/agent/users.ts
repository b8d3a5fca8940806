import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SlotUser {
  name: string;
  uid: number;
  gid: number;
  /** Has subordinate ids (a rootless docker daemon's containers write files owned by them in the slot's tree). */
  subids?: boolean;
}

async function lookup(name: string): Promise<SlotUser | undefined> {
  try {
    const { stdout } = await run("getent", ["passwd", name]);
    const f = stdout.trim().split(":");
    return { name, uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/**
 * The slot's own system user and group (rf-slot-N), created if missing: no login shell, no
 * password, subordinate ids for a rootless docker daemon when asked for.
 */
export async function ensureSlotUser(name: string, home: string, subids: boolean): Promise<SlotUser> {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) throw new Error(`bad slot user name ${name}`);
  let user = await lookup(name);
  if (!user) {
    await run("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", name]);
    user = await lookup(name);
    if (!user) throw new Error(`useradd ${name} left no user`);
  }
  if (user.uid === 0 || user.gid === 0) throw new Error(`${name} is uid/gid 0`);
  if (!subids) return user;
  await ensureSubids(name);
  return { ...user, subids: true };
}

const SUBID_COUNT = 65536;

/** The first free start past every range /etc/subuid and /etc/subgid hand out (never below 100000, login.defs' default). */
export function nextSubidStart(files: string[]): number {
  let end = 100000;
  for (const text of files) {
    for (const line of text.split("\n")) {
      const [, start, count] = line.split(":");
      if (start && count) end = Math.max(end, Number(start) + Number(count));
    }
  }
  return end;
}

/**
 * Subordinate ids for the slot's rootless docker daemon. useradd gives system users none (and
 * --add-subids-for-system is missing from older shadow-utils, e.g. Amazon Linux 2023's), so the
 * agent assigns a free range of 65,536 with usermod.
 */
async function ensureSubids(name: string): Promise<void> {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
  const uids = read("/etc/subuid");
  const gids = read("/etc/subgid");
  const has = (t: string) => t.split("\n").some((l) => l.startsWith(`${name}:`));
  if (has(uids) && has(gids)) return;
  const start = nextSubidStart([uids, gids]);
  const range = `${start}-${start + SUBID_COUNT - 1}`;
  await run("usermod", [...(has(uids) ? [] : ["--add-subuids", range]), ...(has(gids) ? [] : ["--add-subgids", range]), name]);
}
