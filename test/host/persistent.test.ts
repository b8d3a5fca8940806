import { chownSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidsOf } from "../../host/agent/launcher";
import { canRunAgent, World } from "./world";

/**
 * A persistent slot (`ephemeral: false`) after a job that tried to outlive itself: a file in HOME,
 * a systemd user timer, a background process in its own session, a crontab entry and lingering
 * (both planted by root here as crontab(1) and loginctl would write them: this machine has neither
 * cron nor logind). Before the next job all are gone; the work tree the user asked to keep stays.
 * The spools, deny files and linger flags are the World's own (test/host/world.ts), not the
 * machine's; test/boot/persistent.test.ts does the same on a booted host's real paths.
 */

describe.runIf(canRunAgent())("a persistent slot forgets its last job", () => {
  let w: World;
  const machine = () => ["/etc/cron.deny", "/etc/at.deny"].map((f) => (existsSync(f) ? readFileSync(f, "utf8") : null));
  const before = machine();
  beforeAll(async () => {
    w = await World.start({ slots: 1 });
    await w.publish("2.336.0");
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 120_000);

  it("HOME, a user timer, a background process, cron and linger are gone before the next job; the work tree stays", async () => {
    const a = w.agent({ ephemeral: false });
    await a.start();
    const slot = a.slots[0]!;
    await w.until("the slot listening", () => slot.phase === "listening");
    const user = slot.d.user;
    const [cronDeny, atDeny] = w.outside.deny;
    expect(readFileSync(cronDeny!, "utf8").split("\n")).toContain(user.name);
    expect(readFileSync(atDeny!, "utf8").split("\n")).toContain(user.name);

    w.service.queue.push({
      runsOn: ["self-hosted", "linux", "X64"],
      id: "leave",
      repo: "p",
      steps: [
        'echo secret > "$HOME/leftover"; mkdir -p "$HOME/.config/systemd/user"; printf "[Timer]\\nOnCalendar=minutely\\n" > "$HOME/.config/systemd/user/evil.timer"; echo tmp > "$TMPDIR/leftover"; setsid sleep 6007 </dev/null >/dev/null 2>&1 & echo kept > "$GITHUB_WORKSPACE/kept.txt"; echo left',
      ],
    });
    // What setgid crontab and loginctl enable-linger would leave, written while the job runs.
    const cron = join(w.outside.spools[0]!, user.name);
    const linger = join(w.outside.linger, user.name);
    writeFileSync(cron, "* * * * * /bin/sh -c 'echo pwned'\n", { mode: 0o600 });
    chownSync(cron, user.uid, user.gid);
    writeFileSync(linger, "");
    expect((await w.service.done("leave")).outputs.join("")).toContain("left");
    await w.until("the slot's next runner", () => slot.jobs >= 1 && slot.phase === "listening");

    expect(existsSync(cron)).toBe(false);
    expect(existsSync(linger)).toBe(false);
    const sleepers = pidsOf(user.uid).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ").includes("sleep 6007");
      } catch {
        return false;
      }
    });
    expect(sleepers).toEqual([]);

    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "look", repo: "p", steps: ['ls -A "$HOME" "$TMPDIR"; cat "$GITHUB_WORKSPACE/kept.txt"'] });
    const seen = (await w.service.done("look")).outputs.join("");
    expect(seen).not.toMatch(/leftover|\.config/);
    expect(seen).toContain("kept");
    await a.shutdown("done");
    // The agent was told the World's paths: the machine's deny files are as they were.
    expect(machine()).toEqual(before);
  }, 300_000);
});
