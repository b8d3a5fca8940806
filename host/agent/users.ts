import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SlotUser {
  name: string;
  uid: number;
  gid: number;
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
  const known = await lookup(name);
  if (known) {
    if (known.uid === 0 || known.gid === 0) throw new Error(`${name} is uid/gid 0`);
    return known;
  }
  const args = ["--system", "--user-group", "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin"];
  if (subids) args.push("--add-subids-for-system");
  await run("useradd", [...args, name]);
  const made = await lookup(name);
  if (!made) throw new Error(`useradd ${name} left no user`);
  return made;
}
