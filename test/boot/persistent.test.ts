import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import { SHARED } from "../helpers/env";
import { poolOf } from "../helpers/host-pools";
import { buildRelease } from "../standins/runner-listener/service";
import { startBrokerStack, type BrokerStack } from "./broker-stack";
import type { Instance } from "./container";
import { canBootHosts, Lab } from "./harness";

/**
 * A persistent slot (`ephemeral: false`) on a booted host (Debian 13): a job tries to outlive
 * itself with a file in HOME, a systemd user timer enabled in HOME, lingering (so a user manager
 * would run that timer during later jobs), background processes (setsid, and a double fork under
 * nohup), a crontab entry and an at job. The product's install path installs neither cron nor at,
 * so their spool files are planted by root as crontab(1) and at(1) would write them (owned by the
 * slot's uid); lingering is what `loginctl enable-linger` does, run as root so the test does not
 * depend on whether the image's polkit rules let a slot do it itself. The attack is shown live (the timer fires, the
 * processes run) before the next job; then all of it is gone or inert and the work tree stays.
 */
const MARKS = "/var/tmp/rf-pmarks";
const EVIL = "/var/tmp/rf-pevil";
const USER = "rf-slot-1";
const STATE = "/var/lib/runner-fleet/slots/1/state";

describe.runIf(canBootHosts())("a persistent slot on a booted host forgets its last job", () => {
  let lab: Lab;
  let host: Instance;
  let stack: BrokerStack;
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "none" }, { runnersPerHost: 1, ephemeral: false });
  const sh = async (script: string): Promise<string> => {
    const r = await host.exec(["sh", "-c", script], { timeoutMs: 60_000 });
    expect(r.code, `${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const marks = (kind: string) => readdirSync(join(host.root, MARKS.slice(1))).filter((m) => m.startsWith(`${kind}-`)).length;

  beforeAll(async () => {
    lab = await Lab.start({ asgName: "rf-persist-pool", bucket: "rf-persist-pool", tag: "p" });
    stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: 1 });
    await lab.putRelease("2.336.0", buildRelease(SHARED, lab.dir, "2.336.0"));
    const agent = await lab.putAgent(agentBundle().code);
    host = lab.instance("rf-persist", pool, lab.wiring(agent, { brokerUrl: stack.brokerUrl, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } }));
    host.boot();
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
    await host.until("the slot registered", () => stack.jits().length >= 1, 180_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await stack?.close();
    await lab?.close();
  }, 120_000);

  it("a cron entry, an at job, a user timer, lingering, background processes and HOME are gone or inert before the next job; the work tree stays", async () => {
    const uid = (await sh(`id -u ${USER}`)).trim();
    const leave = String.raw`mkdir -p ${MARKS} ${EVIL} && chmod 1777 ${MARKS}
printf '#!/bin/sh\ntouch ${MARKS}/$1-$(date +%%s%%N)\n' > ${EVIL}/mark.sh && chmod 755 ${EVIL}/mark.sh
echo secret > "$HOME/leftover"
u="$HOME/.config/systemd/user"; mkdir -p "$u/timers.target.wants"
printf '[Timer]\nOnActiveSec=1\nOnUnitActiveSec=2\nAccuracySec=100ms\n[Install]\nWantedBy=timers.target\n' > "$u/evil.timer"
printf '[Service]\nType=oneshot\nExecStart=${EVIL}/mark.sh timer\n' > "$u/evil.service"
ln -s ../evil.timer "$u/timers.target.wants/evil.timer"
setsid sh -c 'while :; do ${EVIL}/mark.sh setsid; sleep 1; done' </dev/null >/dev/null 2>&1 &
( ( nohup sh -c 'while :; do ${EVIL}/mark.sh nohup; sleep 1; done' </dev/null >/dev/null 2>&1 & ) & )
echo kept > "$GITHUB_WORKSPACE/kept.txt"
touch ${MARKS}/ready-job
for i in $(seq 1 1200); do [ -e "$RUNNER_TEMP/go" ] && break; sleep 0.1; done; echo left`;
    stack.service.queue.push({ runsOn: [pool.scaleSetName], id: "leave", repo: "p", steps: [leave] });
    await host.until("the job running with its leftovers started", () => host.has(`${MARKS.slice(1)}/ready-job`), 120_000);
    // While the job runs: what crontab(1) and at(1) would write for the slot's uid, and lingering.
    await sh(`mkdir -p /var/spool/cron/crontabs /var/spool/cron/atjobs
echo '* * * * * ${EVIL}/mark.sh cron' > /var/spool/cron/crontabs/${USER} && chown ${USER} /var/spool/cron/crontabs/${USER} && chmod 600 /var/spool/cron/crontabs/${USER}
printf '#!/bin/sh\n${EVIL}/mark.sh at\n' > /var/spool/cron/atjobs/a0000101c0ffee && chown ${USER} /var/spool/cron/atjobs/a0000101c0ffee && chmod 700 /var/spool/cron/atjobs/a0000101c0ffee
loginctl enable-linger ${USER}`);
    // The attack is live: the lingering user manager runs the job's timer, the processes run.
    await host.until("the user timer and both background processes firing", () => marks("timer") > 0 && marks("setsid") > 0 && marks("nohup") > 0, 120_000, () => `marks: ${["timer", "setsid", "nohup"].map((k) => `${k} ${marks(k)}`).join(", ")}`);
    const registered = stack.jits().length;
    await sh(`touch ${STATE}/runner/_work/_temp/go`);
    expect((await stack.service.done("leave", 120_000)).outputs.join("")).toContain("left");
    await host.until("the slot's next runner", () => stack.jits().length > registered, 120_000);

    // Gone: spool entries, the linger flag and the user manager, every process of the job.
    expect(await sh(`ls -A /var/spool/cron/crontabs /var/spool/cron/atjobs /var/lib/systemd/linger 2>/dev/null | grep -v ':$' | grep . || true`)).toBe("");
    expect((await sh(`systemctl is-active user@${uid}.service || true`)).trim()).not.toBe("active");
    expect(await sh(`ps -u ${uid} -o args= | grep -E 'mark.sh|while :' | grep -v grep || true`)).toBe("");
    // Inert: nothing fires any more while the next runner waits.
    const counts = () => ["timer", "setsid", "nohup", "cron", "at"].map(marks);
    const after = counts();
    await new Promise((r) => setTimeout(r, 6000));
    expect(counts()).toEqual(after);
    expect(after.slice(3)).toEqual([0, 0]);

    // The next job: a fresh HOME (no file, no user units), no user manager, the kept work tree.
    stack.service.queue.push({
      runsOn: [pool.scaleSetName],
      id: "look",
      repo: "p",
      steps: [`ls -A "$HOME"; echo "home-listed"; cat "$GITHUB_WORKSPACE/kept.txt"; systemctl --user is-active evil.timer 2>/dev/null || echo "no-user-timer"`],
    });
    const look = (await stack.service.done("look", 120_000)).outputs.join("");
    expect(look).toMatch(/^home-listed\nkept\n/);
    expect(look).toContain("no-user-timer");
    expect(counts()).toEqual(after);
  }, 600_000);
});
