import { spawn } from "node:child_process";
import type { SlotUser } from "./users";

/**
 * Runs a command as the slot's user (setpriv: its uid, gid, no supplementary groups): whatever a
 * slot's tree holds, links included, is then walked with the slot's rights, never root's.
 *
 * `userns`: for a slot with subordinate ids, inside the user namespace rootless docker uses
 * (rootlesskit: the slot's uid as root, its subordinate ids as 1..65536). Image layers and files a
 * container wrote belong to those ids, which the slot's own uid may not remove; that namespace's
 * root may, and nothing else (no id outside the slot's ranges is mapped).
 */
export function runAs(user: SlotUser, argv: string[], o: { cwd?: string; timeoutMs?: number; userns?: boolean } = {}): Promise<{ code: number; stderr: string }> {
  const cmd = o.userns && user.subids ? ["rootlesskit", "--net=host", ...argv] : argv;
  return new Promise((resolve) => {
    const p = spawn("setpriv", ["--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups", "--", ...cmd], {
      cwd: o.cwd ?? "/",
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const t = o.timeoutMs ? setTimeout(() => p.kill("SIGKILL"), o.timeoutMs) : undefined;
    p.once("error", (e) => resolve({ code: -1, stderr: e.message }));
    p.once("close", (code) => {
      if (t) clearTimeout(t);
      resolve({ code: code ?? -1, stderr });
    });
  });
}
