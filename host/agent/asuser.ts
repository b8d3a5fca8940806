import { spawn } from "node:child_process";
import type { SlotUser } from "./users";

/**
 * Runs a command as the slot's user (setpriv: its uid, gid, no supplementary groups): whatever a
 * slot's tree holds, links included, is then walked with the slot's rights, never root's.
 */
export function runAs(user: SlotUser, argv: string[], o: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("setpriv", ["--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups", "--", ...argv], {
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
