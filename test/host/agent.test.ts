import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeregisterRequest, JitRequest } from "../../protocol/broker";
import { canRunAgent, World } from "./world";

/**
 * The agent as root against the real actions/runner scripts (run.sh, run-helper.sh.template from
 * ../shared/upstream) with the stand-in listener, two slots under real uids, the broker behind a
 * SigV4-verifying function URL, the mirror in moto's S3. Each red-team finding of issue 12 has a
 * case here that fails on the old agent.
 */
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      out[p] = `${st.uid}:${st.gid}:${(st.mode & 0o7777).toString(8)}${st.isFile() ? `:${sha(p)}` : ""}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe.runIf(canRunAgent())("the host agent with two slots", () => {
  let w: World;
  const jitCalls = () => w.broker.calls.filter((c) => c.body.action === "jit").map((c) => c.body as JitRequest);

  beforeAll(async () => {
    w = await World.start({ slots: 2 });
    await w.publish("2.336.0");
    const a = w.agent();
    await a.start();
    await w.until("both slots listening", () => a.slots.every((s) => s.phase === "listening"));
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it("reads the mirror from S3 as the host role, each call authorised with the role's rendered policy; another prefix is refused", async () => {
    const reads = w.aws.allowed.filter((c) => c.action === "s3:GetObject").map((c) => c.resource);
    expect(reads).toContain(`arn:aws:s3:::${w.bucket}/runner/manifest.json`);
    expect(w.aws.refused).toEqual([]);
    // The same credentials, a prefix the host role has no grant for: refused before moto sees it.
    const host = new S3Client({ region: "eu-west-1", endpoint: w.aws.url, forcePathStyle: true, credentials: w.imds.state.creds, maxAttempts: 1 });
    await expect(host.send(new GetObjectCommand({ Bucket: w.bucket, Key: "listener/pool-a.json" }))).rejects.toMatchObject({ name: "AccessDenied" });
    expect(w.aws.refused).toHaveLength(1);
    w.aws.refused.length = 0;
  });

  it("installs the release root-owned and read-only, and runs slots from it under two distinct non-root uids", () => {
    const inst = join(w.root, "runners/2.336.0");
    for (const [p, v] of Object.entries(tree(inst))) {
      expect(v.split(":").slice(0, 2), p).toEqual(["0", "0"]);
      expect(Number.parseInt(v.split(":")[2]!, 8) & 0o222, p).toBe(0);
    }
    const uids = w.agents[0]!.slots.map((s) => s.d.user.uid);
    expect(new Set(uids).size).toBe(2);
    expect(uids).not.toContain(0);
    for (const s of w.agents[0]!.slots) {
      const st = statSync(s.d.fs.state);
      expect([st.uid, st.mode & 0o777]).toEqual([s.d.user.uid, 0o700]);
    }
    expect(jitCalls().map((j) => [j.slot, j.runnerVersion])).toEqual(expect.arrayContaining([[1, "2.336.0"], [2, "2.336.0"]]));
  });

  it("never puts the JIT config on a command line, and sets RUNNER_MANUALLY_TRAP_SIG for run.sh", () => {
    const secrets = w.service.runners.map((r) => r.name);
    expect(secrets.length).toBeGreaterThan(0);
    const cmdlines = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8");
      } catch {
        return "";
      }
    });
    // This host's listeners only: a booted test's containers share the machine's process table.
    const listeners = cmdlines.filter((c) => c.includes("listener.js") && c.includes(w.root));
    expect(listeners.length).toBe(2);
    for (const c of cmdlines) expect(c).not.toMatch(/jitconfig|eyJ/i);
    const env = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8").includes("run-helper.sh") ? readFileSync(`/proc/${d}/environ`, "utf8") : "";
      } catch {
        return "";
      }
    }).filter(Boolean);
    expect(env.length).toBeGreaterThan(0);
    for (const e of env) {
      expect(e.split("\0")).toContain("RUNNER_MANUALLY_TRAP_SIG=1");
      expect(e).toContain("ACTIONS_RUNNER_INPUT_JITCONFIG=");
      expect(e).not.toContain("RUNNER_ALLOW_RUNASROOT");
    }
  });

  it("keeps two concurrent jobs apart: environ, HOME and workspace of the other slot are unreadable, and leftovers die with the job", async () => {
    const [s1, s2] = w.agents[0]!.slots as [(typeof w.agents)[0]["slots"][0], (typeof w.agents)[0]["slots"][0]];
    const secretJob = {
      runsOn: ["self-hosted", "linux", "X64"],
      id: "secret",
      repo: "a",
      env: { ACTIONS_RUNTIME_TOKEN: "tok-of-job-a-1234567890" },
      steps: [
        'echo "$ACTIONS_RUNTIME_TOKEN" > "$HOME/token"; echo mine > "$GITHUB_WORKSPACE/file"; echo $$ > "$HOME/pid.tmp"; mv "$HOME/pid.tmp" "$HOME/pid"',
        "setsid sleep 600 < /dev/null > /dev/null 2>&1 & echo $! > \"$HOME/leftover\"",
        "for i in $(seq 1 100); do [ -e \"$RUNNER_TEMP/go\" ] && break; sleep 0.1; done",
      ],
    };
    w.service.queue.push(secretJob);
    await w.until("the secret job to start", () => s1.busy() || s2.busy());
    const holder = s1.busy() ? s1 : s2;
    const other = holder === s1 ? s2 : s1;
    // The pid file is renamed into place after the token and workspace file are written.
    await w.until("the secret job's files on disk", () => {
      try {
        return statSync(join(holder.d.fs.home, "pid")).size > 0;
      } catch {
        return false;
      }
    });
    const victimPid = readFileSync(join(holder.d.fs.home, "pid"), "utf8").trim();
    const spy = {
      runsOn: ["self-hosted", "linux", "X64"],
      id: "spy",
      repo: "b",
      steps: [
        `cat /proc/${victimPid}/environ > /dev/null 2>&1 && echo ENV-READ || echo env-denied`,
        `cat ${holder.d.fs.home}/token 2>/dev/null && echo HOME-READ || echo home-denied`,
        `ls ${holder.d.fs.runnerRoot}/_work 2>/dev/null && echo WORK-READ || echo work-denied`,
        `touch ${holder.d.fs.runnerRoot}/_work/_temp/go 2>/dev/null && echo WORK-WRITE || echo write-denied`,
      ],
    };
    w.service.queue.push(spy);
    const spied = await w.service.done("spy");
    expect(spied.uid).toBe(other.d.user.uid);
    expect(spied.outputs.join("")).toBe("env-denied\nhome-denied\nwork-denied\nwrite-denied\n");
    writeFileSync(`${holder.d.fs.runnerRoot}/_work/_temp/go`, "");
    const done = await w.service.done("secret");
    expect(done.result).toBe("succeeded");
    const leftover = Number(readFileSync(join(holder.d.fs.home, "leftover"), "utf8").trim() || "0");
    await w.until("the slot to take its next runner", () => holder.jobs >= 1);
    expect(leftover).toBeGreaterThan(0);
    await w.until("the leftover to be gone", () => {
      try {
        return !readFileSync(`/proc/${leftover}/status`, "utf8").includes(`Uid:\t${holder.d.user.uid}`);
      } catch {
        return true;
      }
    });
  }, 60_000);

  it("gives each slot its own cache (RUNNER_FLEET_CACHE_DIR) that outlives its jobs and no other slot can reach", async () => {
    const [s1, s2] = w.agents[0]!.slots as [(typeof w.agents)[0]["slots"][0], (typeof w.agents)[0]["slots"][0]];
    w.service.queue.push({ runsOn: ["self-hosted", "linux", "X64"], id: "cache-write", repo: "c", steps: ['echo "$RUNNER_FLEET_CACHE_DIR"; echo kept > "$RUNNER_FLEET_CACHE_DIR/mirror-mark"'] });
    const wrote = await w.service.done("cache-write");
    expect(wrote.result).toBe("succeeded");
    const owner = wrote.uid === s1.d.user.uid ? s1 : s2;
    const other = owner === s1 ? s2 : s1;
    expect(wrote.outputs.join("").trim()).toBe(owner.d.fs.cache);
    // The job ended and the slot took a fresh tree (ephemeral): the cache is still there, the slot's alone.
    await w.until("the slot to take its next runner", () => owner.jobs >= 1 && !owner.busy());
    expect(readFileSync(join(owner.d.fs.cache, "mirror-mark"), "utf8")).toBe("kept\n");
    const st = statSync(owner.d.fs.cache);
    expect([st.uid, st.mode & 0o777]).toEqual([owner.d.user.uid, 0o700]);
    // Whichever slot takes the probe: its own cache works, the other's is out of reach.
    w.service.queue.push({
      runsOn: ["self-hosted", "linux", "X64"],
      id: "cache-probe",
      repo: "c",
      steps: [`for d in ${s1.d.fs.cache} ${s2.d.fs.cache}; do if touch "$d/probe-$(id -u)" 2>/dev/null && ls "$d" >/dev/null 2>&1; then echo "$d:yes"; else echo "$d:no"; fi; done`],
    });
    const probe = await w.service.done("cache-probe");
    const mine = probe.uid === s1.d.user.uid ? s1 : s2;
    const theirs = mine === s1 ? s2 : s1;
    expect(probe.outputs.join("").trim().split("\n").sort()).toEqual([`${mine.d.fs.cache}:yes`, `${theirs.d.fs.cache}:no`].sort());
    expect(other.d.fs.cache).not.toBe(owner.d.fs.cache);
  }, 60_000);

  it("keeps the install root-owned and unchanged after a hostile job, and the next job starts clean", async () => {
    const inst = join(w.root, "runners/2.336.0");
    const before = tree(inst);
    w.service.queue.push({
      runsOn: ["self-hosted", "linux", "X64"],
      id: "hostile",
      repo: "h",
      steps: [
        `(echo 'echo pwned' >> ${inst}/run-helper.sh.template) 2>/dev/null || true; (chmod u+w "$GITHUB_WORKSPACE/../../../run-helper.sh.template" && echo 'echo pwned' >> "$GITHUB_WORKSPACE/../../../run-helper.sh.template") || exit 3; (echo 'echo pwned' >> "$GITHUB_WORKSPACE/../../../bin/Runner.Listener") 2>/dev/null || true; chmod 777 ${inst}/bin 2>/dev/null || true`,
        "echo planted > \"$HOME/planted\"",
      ],
    });
    const h = await w.service.done("hostile");
    expect(h.result, h.outputs.join("")).toBe("succeeded");
    expect(tree(inst)).toEqual(before);
    // The next job's runner root (three up from its workspace, as the hostile job reached it): each
    // file the hostile job wrote to is there, and none carries its line.
    w.service.queue.push({
      runsOn: ["self-hosted", "linux", "X64"],
      id: "after",
      repo: "h",
      steps: ['R="$GITHUB_WORKSPACE/../../.."; for f in run-helper.sh.template run-helper.sh bin/Runner.Listener; do if [ -e "$R/$f" ]; then echo "$f:$(grep -c pwned "$R/$f")"; else echo "$f:absent"; fi; done; echo "home:$(ls -A "$HOME" | tr "\\n" " ")"'],
    });
    const after = await w.service.done("after");
    const lines = after.outputs.join("").trim().split("\n");
    expect(lines.filter((l) => !l.startsWith("home:"))).toEqual(["run-helper.sh.template:0", "run-helper.sh:0", "bin/Runner.Listener:0"]);
    expect(lines.find((l) => l.startsWith("home:"))).not.toContain("planted");
  }, 60_000);

  it("deregisters every slot through the broker and stops the runners on a spot notice", async () => {
    const a = w.agents[0]!;
    w.imds.state.spotAction = { action: "terminate", time: new Date(Date.now() + 120_000).toISOString() };
    await a.tick();
    const dereg = w.broker.calls.filter((c) => c.body.action === "deregister").map((c) => c.body as DeregisterRequest);
    // Every runner the instance holds, in one call (a slot caught mid-registration removes its own first).
    expect(dereg.at(-1)).toEqual({ v: 1, action: "deregister", pool: "pool-a" });
    expect(w.broker.calls.some((c) => c.body.action === "report" && c.body.event === "spot-interruption")).toBe(true);
    // Then it leaves through the broker without decrement (the group replaces it now, not after
    // EC2's reclaim): the terminate is the control plane's call, never the host's.
    const leave = w.broker.calls.findIndex((c) => c.body.action === "leave");
    expect(w.broker.calls[leave]!.body).toEqual({ v: 1, action: "leave", pool: "pool-a", decrement: false, reason: "spot" });
    expect(leave).toBeGreaterThan(w.broker.calls.lastIndexOf(w.broker.calls.filter((c) => c.body.action === "deregister").at(-1)!));
    expect(w.asg.calls.filter((c) => c.Action === "TerminateInstanceInAutoScalingGroup")).toEqual([
      expect.objectContaining({ InstanceId: w.imds.state.instanceId, ShouldDecrementDesiredCapacity: "false", Caller: "control-plane" }),
    ]);
    expect(w.asg.groups[0]!.instances).toEqual([]);
    expect(w.asg.groups[0]!.desired).toBe(2);
    expect(w.exits).toEqual([0]);
    expect(w.service.runners.filter((r) => !r.deleted)).toEqual([]);
    const listeners = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8").includes(join(a.slots[0]!.d.fs.base, ".."));
      } catch {
        return false;
      }
    });
    expect(listeners).toEqual([]);
    for (const s of a.slots) expect(execFileSync("sh", ["-c", `ps -u ${s.d.user.uid} -o pid= || true`], { encoding: "utf8" }).trim()).toBe("");
  }, 30_000);
});
