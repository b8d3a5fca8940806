import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JitRequest } from "../../protocol/broker";
import { HOSTILE_TREE_STEP } from "../helpers/hostile-tree";
import { canRunAgent, World } from "./world";

/**
 * What a hostile job leaves behind: a tree that broke the old wipe (and with it every later tick),
 * links meant to make root chown or write through them on the next agent start, and what the
 * broker may refuse or get wrong.
 */
describe.runIf(canRunAgent())("a slot after hostile jobs, and a broker that refuses", () => {
  let w: World;
  beforeAll(async () => {
    w = await World.start({ slots: 1 });
    await w.publish("2.336.0");
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 120_000);

  it("wipes a 1,500-deep tree with odd modes, fifos, sockets and backdated mtimes, and tick keeps running", async () => {
    const a = w.agent();
    await a.start();
    const slot = a.slots[0]!;
    w.service.queue.push({
      runsOn: ["self-hosted", "linux", "X64"],
      id: "deep",
      repo: "d",
      steps: [
        `cd "$HOME" && ${HOSTILE_TREE_STEP} && mkdir ro && touch ro/x && chmod 500 ro && echo depth-done`,
      ],
    });
    const done = await w.service.done("deep", 120_000);
    expect(done.outputs.join("")).toContain("depth-done");
    for (let i = 0; i < 3; i++) await expect(a.tick()).resolves.toBeUndefined();
    await w.until("the next runner of the slot", () => slot.jobs >= 1 && slot.phase === "listening", 120_000);
    expect(readdirSync(slot.d.fs.trash)).toEqual([]);
    expect(readdirSync(slot.d.fs.home)).toEqual([]);
    // Tick still does its work: a spot notice is still heard.
    w.imds.state.spotAction = { action: "terminate", time: new Date().toISOString() };
    await a.tick();
    expect(a.mode).toBe("stopped");
    delete w.imds.state.spotAction;
  }, 180_000);

  it("never follows a link a slot planted, across agent restarts, ephemeral or persistent", async () => {
    const victimDir = join(w.dir, "victim");
    mkdirSync(victimDir, { mode: 0o700 });
    const victim = join(victimDir, "shadow");
    writeFileSync(victim, "root:secret\n", { mode: 0o600 });
    execFileSync("chmod", ["755", victimDir]);
    const looks = () => {
      const st = lstatSync(victim);
      return [st.uid, st.gid, st.mode & 0o7777, readFileSync(victim, "utf8")];
    };
    const before = looks();
    for (const ephemeral of [false, true]) {
      const a = w.agent({ ephemeral });
      await a.start();
      const fs = a.slots[0]!.d.fs;
      w.service.queue.push({
        runsOn: ["self-hosted", "linux", "X64"],
        id: `plant-${ephemeral}`,
        repo: "p",
        steps: [
          `ln -s ${victim} "$HOME/link"; ln -s ${victim} "$HOME/.bashrc"; ln -s ${victimDir} "$RUNNER_TEMP/dir"; ln -s ${victim} "$GITHUB_WORKSPACE/../../../_diag/Runner_0.log"; ln -s ${victimDir} "$GITHUB_WORKSPACE/../../../_work2"; ln -sfn ${victimDir} "$HOME/../tmp" || true; echo planted`,
        ],
      });
      expect((await w.service.done(`plant-${ephemeral}`)).outputs.join("")).toContain("planted");
      await w.until("the slot's next runner", () => a.slots[0]!.jobs >= 1 && a.slots[0]!.phase === "listening");
      await a.shutdown("restart");
      // The next start, as after an OOM kill, a reboot or an operator's restart.
      const b = w.agent({ ephemeral });
      await b.start();
      await w.until("the restarted slot listening", () => b.slots[0]!.phase === "listening");
      w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: `after-${ephemeral}`, repo: "p", steps: [`cat ${victim} 2>/dev/null && echo READ || echo denied`] });
      expect((await w.service.done(`after-${ephemeral}`)).outputs.join("")).toBe("denied\n");
      await b.shutdown("next case");
      expect(looks()).toEqual(before);
      expect(lstatSync(fs.base).uid).toBe(0);
    }
  }, 120_000);

  it("keeps asking after a retryable refusal, stops asking after a final one, and refuses runner names over 64 characters", async () => {
    w.broker.refusals.push({ code: "throttled", message: "slow down", retryable: true, retryAfterSeconds: 1 }, { code: "upstream", message: "GitHub 502", retryable: true });
    const a = w.agent();
    const jits = () => w.broker.calls.filter((c) => c.body.action === "jit").length;
    const before = jits();
    await a.start();
    await w.until("a runner after two retryable refusals", () => a.slots[0]!.phase === "listening", 20_000);
    expect(jits() - before).toBe(3);
    await a.shutdown("next case");

    w.broker.refusals.push({ code: "slot-limit", message: "slot 1 already has a live runner", retryable: false });
    const b = w.agent();
    const n = jits();
    await b.start();
    await w.until("the slot to give up", () => b.slots[0]!.phase === "refused");
    await new Promise((r) => setTimeout(r, 300));
    expect(jits() - n).toBe(1);
    expect(w.lines("broker refused this slot; not asking again").at(-1)).toMatchObject({ slot: 1, code: "slot-limit" });
    await b.shutdown("next case");

    w.broker.nameLength = 65;
    const c = w.agent();
    await c.start();
    await w.until("the slot to refuse the name", () => c.slots[0]!.phase === "refused");
    expect(w.lines("broker refused this slot; not asking again").at(-1)!.error).toMatch(/65 characters \(max 64\)/);
    expect(readdirSync(c.slots[0]!.d.fs.runnerRoot)).not.toContain(".runner");
    await c.shutdown("next case");
    delete w.broker.nameLength;
    const last = w.broker.calls.filter((x) => x.body.action === "jit").at(-1)!.body as JitRequest;
    expect(last).toEqual({ v: 1, action: "jit", pool: "pool-a", slot: 1, runnerVersion: "2.336.0" });
  }, 60_000);

  it("lives with run.sh's exit-code contract: a retryable listener exit (2) restarts the listener in place, then the slot moves on", async () => {
    const a = w.agent();
    await a.start();
    await w.until("the slot listening", () => a.slots[0]!.phase === "listening");
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "retry", repo: "r", steps: ["echo ran"], listenerExit: 2 });
    expect((await w.service.done("retry")).result).toBe("succeeded");
    await w.until("the next runner", () => a.slots[0]!.jobs >= 1 && a.slots[0]!.phase === "listening", 30_000);
    const out = w.lines("runner output").map((l) => String(l.line));
    // run-helper.sh.template: 2 → "retryable error, re-launch runner in 5 seconds"; run.sh loops; the
    // relaunched listener finds its runner deleted (1) → "terminated error", run.sh exits 0.
    expect(out).toEqual(expect.arrayContaining(["Runner listener exit with retryable error, re-launch runner in 5 seconds.", "Restarting runner...", "Runner listener exit with terminated error, stop the service, no retry needed."]));
    await a.shutdown("next case");
  }, 60_000);

  it("reports install-failed and fails to start when the mirrored tarball does not match its checksum", async () => {
    const { PutObjectCommand, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const m = JSON.parse(await (await w.s3.send(new GetObjectCommand({ Bucket: w.bucket, Key: "runner/manifest.json" }))).Body!.transformToString());
    m.current.version = "2.399.0";
    m.current.assets["linux-x64"].sha256 = "0".repeat(64);
    await w.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: "runner/manifest.json", Body: JSON.stringify(m) }));
    const a = w.agent();
    await expect(a.start()).rejects.toThrow(/SHA-256/);
    const reports = w.broker.calls.filter((c) => c.body.action === "report").map((c) => c.body);
    expect(reports.at(-1)).toMatchObject({ action: "report", event: "install-failed", detail: expect.stringMatching(/SHA-256/) });
    expect(readdirSync(join(w.root, "runners"))).not.toContain("2.399.0");
  });
});
