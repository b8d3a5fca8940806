import { execFile } from "node:child_process";
import { appendFileSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SlotUser } from "./users";

/**
 * What a slot's job could leave outside its tree that runs or is read during a later job: crontab
 * and at entries (crontab and at are setgid: they work under rootless docker, whose units cannot
 * have NoNewPrivileges), lingering (a systemd user manager with the user's timers, started without
 * a login), a user manager left running. The agent denies cron and at to slot users up front and
 * removes what got through anyway before every job; processes of the slot's uid are killed when a
 * runner ends (launcher.ts), HOME and TMPDIR are fresh for every job (slotfs.ts).
 */
export interface OutsidePaths {
  /** cron's and at's spools: where crontab(1) and at(1) write a user's entries. */
  spools: string[];
  /** cron.deny and at.deny. */
  deny: string[];
  /** logind's linger flags, one file per user. */
  linger: string;
}

/** Where a host keeps them; tests point the agent at a root of their own instead of the machine's. */
export const HOST_OUTSIDE: OutsidePaths = {
  spools: ["/var/spool/cron/crontabs", "/var/spool/cron", "/var/spool/cron/atjobs", "/var/spool/at"],
  deny: ["/etc/cron.deny", "/etc/at.deny"],
  linger: "/var/lib/systemd/linger",
};

/** Adds the slot user to cron.deny and at.deny (both tools refuse a listed user, whatever its groups). */
export function denyCronAndAt(name: string, deny: string[] = HOST_OUTSIDE.deny): void {
  for (const f of deny) {
    const text = existsSync(f) ? readFileSync(f, "utf8") : "";
    if (!text.split("\n").includes(name)) appendFileSync(f, `${text && !text.endsWith("\n") ? "\n" : ""}${name}\n`, { mode: 0o640 });
  }
}

const run = (cmd: string, args: string[]) => new Promise<void>((r) => execFile(cmd, args, { timeout: 30_000 }, () => r()));

/** Every spool entry the slot's uid owns or that names it; its linger flag; its user manager. Returns what was removed. */
export async function forgetOutsideTree(user: SlotUser, o: Pick<OutsidePaths, "spools" | "linger"> = HOST_OUTSIDE): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of o.spools) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const p = join(dir, n);
      try {
        const st = lstatSync(p);
        if (!st.isFile() || (st.uid !== user.uid && n !== user.name)) continue;
        rmSync(p, { force: true });
        removed.push(p);
      } catch {
        // gone meanwhile
      }
    }
  }
  const linger = join(o.linger, user.name);
  if (existsSync(linger)) {
    await run("loginctl", ["disable-linger", user.name]);
    rmSync(linger, { force: true });
    removed.push(linger);
  }
  // A user manager (and with it every user timer) only runs while lingering or logged in; stop it either way.
  await run("systemctl", ["stop", `user@${user.uid}.service`]);
  return removed;
}
