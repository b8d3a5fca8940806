import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import type { Completed } from "../standins/runner-listener/service";
import { buildRelease } from "../standins/runner-listener/service";
import { ACTION_DIR, inputEnv, type Job as ActionJob } from "../checkout/runner";
import { git, Upstream } from "../checkout/repos";
import { SHARED } from "../helpers/env";
import { serveGit, type GitHttpServer } from "../helpers/git-http";
import { poolOf } from "../helpers/host-pools";
import { startBridge, type Bridge } from "./bridge";
import { startBrokerStack, type BrokerStack } from "./broker-stack";
import type { Instance } from "./container";
import { canBootHosts, Lab } from "./harness";
import { gitAttackLines } from "../helpers/git-attacks";

/**
 * The host's git keeper on a booted host (Debian 13, the default OS), two slots, the bundled
 * checkout action run by jobs of the stand-in runner: a hostile job on a slot checks out, then
 * tries the four attacks of issue 21 on the host's mirrors (its own slot's and the other's), arms
 * its own checkout before post hands it back to the keeper (a file rewritten under its old mtime,
 * a nested .git, an untracked file), and after post tries to write any tree it can still find in
 * the slot's cache. Upstream (git http-backend,
 * bridged into the host's network) then pushes a commit the attacker never saw; two later jobs,
 * one on the attacker's slot and one on the other, check it out with the action and get
 * upstream's exact tree at that commit, and nothing of the attacker's runs or sees their token.
 */
const GIT_PORT = 8084;
const ACTION = "/opt/rf-checkout";
const STEP = `"$RUNNER_FLEET_STATE/runner/externals/node24/bin/node" ${ACTION}/action-step.js`;
const MARKS = "/var/tmp/rf-marks";
const EVIL = "/var/tmp/rf-evil";

describe.runIf(canBootHosts())("the git keeper on a booted host: a mirror no job can poison", () => {
  let lab: Lab;
  let host: Instance;
  let stack: BrokerStack;
  let server: GitHttpServer;
  let bridge: Bridge;
  let srv: string;
  let up: Upstream;
  let serverUrl: string;
  // GitHub issues every job its own token: the attacker's is not the victims'.
  const attackerToken = `ghs_${randomBytes(18).toString("hex")}`;
  const victimToken = `ghs_${randomBytes(18).toString("hex")}`;
  const pool = poolOf({ os: "debian", arch: "amd64", docker: "none" }, { runnersPerHost: 2 });

  /** The environment the runner gives the action's steps: github context and the action's inputs. */
  const actionEnv = (token: string, sha: string, withInputs: Record<string, string> = {}): Record<string, string> => {
    const github = { repository: "acme/widgets", sha, ref: "refs/heads/main", token, server_url: serverUrl };
    const j: ActionJob = { workspace: "", github, env: {}, with: withInputs };
    return { GITHUB_REPOSITORY: github.repository, GITHUB_SHA: sha, GITHUB_REF: github.ref, GITHUB_SERVER_URL: serverUrl, GIT_TERMINAL_PROMPT: "0", ...inputEnv(j) };
  };
  const outputsOf = (text: string): Record<string, string> => {
    const m = /^::rf-outputs::(.*)$/m.exec(text);
    if (!m) throw new Error(`no outputs in:\n${text}`);
    return JSON.parse(m[1]!) as Record<string, string>;
  };
  const slotOf = (text: string): string => {
    const m = /^slot-state=\/var\/lib\/runner-fleet\/slots\/(\d+)\/state$/m.exec(text);
    if (!m) throw new Error(`no slot in:\n${text}`);
    return m[1]!;
  };
  const succeeded = (c: Completed) => expect(c.result, c.outputs.join("\n----\n")).toBe("succeeded");

  beforeAll(async () => {
    lab = await Lab.start({ asgName: "rf-keeper-pool", bucket: "rf-keeper-pool", tag: "k" });
    stack = await startBrokerStack(lab, { pool: pool.name, labels: pool.labels, slots: 2 });
    srv = mkdtempSync(join(lab.dir, "git-"));
    up = new Upstream(join(srv, "srv"), "acme", "widgets");
    const files: Record<string, string> = { "README.md": "upstream\n", ".gitattributes": "*.txt text\n" };
    for (let i = 0; i < 20; i++) files[`src/${i}.txt`] = `file ${i}\n`;
    up.commit("c0", files);
    up.push("main");
    server = await serveGit(join(srv, "srv"), [attackerToken, victimToken]);
    bridge = await startBridge(lab.net, [{ host: lab.net.hostAddr, port: GIT_PORT, target: Number(new URL(server.url).port) }], join(lab.dir, "bridge-git"));
    serverUrl = `http://${lab.net.hostAddr}:${GIT_PORT}`;
    // The lab's server speaks http on the lab's own network (the schema takes https origins only).
    pool.gitServers = [serverUrl];
    await lab.putRelease("2.336.0", buildRelease(SHARED, lab.dir, "2.336.0"));
    const agent = await lab.putAgent(agentBundle().code);
    host = lab.instance("rf-keeper", pool, lab.wiring(agent, { brokerUrl: stack.brokerUrl, agentTuning: { tickSeconds: 1, idleTimeoutSeconds: 0 } }));
    // The action as the runner downloads it for a job: root's, read-only to slots.
    const dir = join(host.root, ACTION.slice(1));
    mkdirSync(join(dir, "dist"), { recursive: true });
    for (const f of ["action.yml", "dist/main.js", "dist/post.js"]) copyFileSync(join(ACTION_DIR, f), join(dir, f));
    const step = buildSync({ entryPoints: [join(__dirname, "action-step.ts")], bundle: true, platform: "node", target: "node24", format: "cjs", write: false, logLevel: "silent" });
    writeFileSync(join(dir, "action-step.js"), step.outputFiles[0]!.contents);
    execFileSync("chmod", ["-R", "a+rX,go-w", dir]);
    host.boot();
    await host.waitFor(/runner-fleet-install: (step=finished|FAILED)/, 300_000);
    await host.until("both slots registered", () => new Set(stack.jits().map((j) => j.slot)).size === 2, 180_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await bridge?.close().catch(() => undefined);
    await server?.close();
    await stack?.close();
    await lab?.close();
  }, 120_000);

  let attackerSlot = "";
  let mirror = "";

  it("a hostile job checks out through the keeper, then every write of the four attacks to a mirror is refused; what it owns it may poison", async () => {
    const base = up.sha("main");
    /** The four attacks on one repository; prints which writes the system let through. */
    const attack = `attack() {
d="$1"
${gitAttackLines({
  evil: `${EVIL}/evil.sh`,
  replace: `w sh -c 'git --git-dir="$0" cat-file -e $2 2>/dev/null || { mkdir -p "$0/objects/$(echo $2 | cut -c1-2)" && cp "$3/objects/$(echo $2 | cut -c1-2)/$(echo $2 | cut -c3-)" "$0/objects/$(echo $2 | cut -c1-2)/"; } && git --git-dir="$0" update-ref refs/replace/$1 $2' "$d" "$victim" "$evil" "$GITHUB_WORKSPACE/.git"`,
  redirect: { from: `${serverUrl}/acme/widgets`, to: `${EVIL}/repo.git` },
})}
}`;
    const setup = String.raw`mkdir -p ${EVIL} ${MARKS} && chmod 1777 ${MARKS} && chmod 755 ${EVIL}
printf '#!/bin/sh\nenv > ${MARKS}/$(basename "$0")-$1.$$ 2>/dev/null\ncat\n' > ${EVIL}/evil.sh && chmod 755 ${EVIL}/evil.sh
git init -q --bare ${EVIL}/repo.git && chmod -R a+rX ${EVIL}
echo "slot-state=$RUNNER_FLEET_STATE"`;
    const onMirrors = String.raw`${attack}
cd "$GITHUB_WORKSPACE"
victim=$(git rev-parse HEAD:README.md); evil=$(printf 'attacker\n' | git hash-object -w --stdin)
own=$(dirname "$(cat .git/objects/info/alternates)")
echo "mirror=$own"
# The slot's own mirror and, where mirrors are per slot, the same repository's in every other slot.
for n in $(ls /var/lib/runner-fleet/slots); do echo "$own" | sed "s|^/var/lib/runner-fleet/slots/[0-9]*/|/var/lib/runner-fleet/slots/$n/|"; done | sort -u > "$RUNNER_TEMP/mirrors"
while read -r d; do echo "MIRROR $d"; attack "$d"; done < "$RUNNER_TEMP/mirrors"
echo "OWN"; attack "$GITHUB_WORKSPACE/.git"
echo "HOME"; git config --global url.${EVIL}/repo.git.insteadOf "${serverUrl}/acme/widgets" && git config --global core.fsmonitor "${EVIL}/evil.sh fsmonitor" && echo "home-written"`;
    // Before post, in the tree post hands back: a tracked file rewritten with its old mtime, a
    // nested .git armed with the attacks, a file that is not upstream's.
    const poisonOwn = String.raw`${attack}
victim=x; evil=x
cd "$GITHUB_WORKSPACE"
printf 'attacker
' > README.md.new && touch -r README.md README.md.new && mv README.md.new README.md
mkdir -p src/.git && attack src/.git > /dev/null; echo planted > src/untracked.txt
echo poison-done`;
    // After post: the tree went back to root; whatever of it the job can still find, it tries to write.
    const onCache = String.raw`find "$RUNNER_FLEET_CACHE_DIR" -name README.md -type f 2>/dev/null > "$RUNNER_TEMP/trees" || true
while read -r f; do if printf 'attacker
' > "$f" 2>/dev/null; then echo "WROTE $f"; else echo "REFUSED $f"; fi; done < "$RUNNER_TEMP/trees"
echo cache-done`;
    stack.service.queue.push({
      runsOn: [pool.scaleSetName],
      id: "hostile",
      repo: "widgets",
      env: actionEnv(attackerToken, base),
      steps: [setup, `${STEP} main ${ACTION}`, onMirrors, poisonOwn, `${STEP} post ${ACTION}`, onCache],
    });
    const h = await stack.service.done("hostile", 300_000);
    succeeded(h);
    const [setupOut, mainOut, mirrorsOut, poisonOut, , cacheOut] = h.outputs;
    attackerSlot = slotOf(setupOut!);
    expect(outputsOf(mainOut!)).toMatchObject({ commit: base, ref: "refs/heads/main", mode: "keeper" });
    mirror = /^mirror=(.*)$/m.exec(mirrorsOut!)![1]!;
    expect(mirror).toMatch(/^\/var\/lib\/runner-fleet\//);
    // Every mirror write refused: the slot's own (root's, read-only to it) and the other slot's.
    const sections = mirrorsOut!.split(/^(?=MIRROR |OWN$|HOME$)/m);
    const mirrors = sections.filter((s) => s.startsWith("MIRROR "));
    expect(mirrors.length, mirrorsOut).toBe(/^\/var\/lib\/runner-fleet\/slots\/\d+\//.test(mirror) ? 2 : 1);
    for (const s of mirrors) {
      expect(s, mirrorsOut).not.toMatch(/^written/m);
      expect(s.match(/^refused/gm), mirrorsOut).toHaveLength(8);
    }
    // What the slot owns during its job it may write: its checkout, its HOME.
    expect(sections.find((s) => s.startsWith("OWN"))).not.toMatch(/^refused/m);
    expect(mirrorsOut).toContain("home-written");
    expect(poisonOut).toContain("poison-done");
    // Once post handed its tree back, no tree in its cache is writable to it (root took it).
    expect(cacheOut, cacheOut).not.toMatch(/^WROTE /m);
    expect(cacheOut).toContain("cache-done");
    // Its own hooks ran in its own job (its own git calls): those marks are its own, cleared so any mark from now on is a victim's.
    const marks = join(host.root, MARKS.slice(1));
    for (const m of readdirSync(marks)) rmSync(join(marks, m));
  }, 420_000);

  it("upstream moves on; a job on the attacker's slot and one on the other check it out: upstream's exact tree, none of the attacker's code, its token nowhere the attacker could read", async () => {
    expect(attackerSlot).not.toBe("");
    const trusted = up.commit("trusted", { "README.md": "trusted\n", "src/new.txt": "new\n" });
    up.push("main");
    // Upstream's tree at that commit, as digests per path.
    const expected = git(["ls-tree", "-r", "--name-only", trusted], up.bare)
      .split("\n")
      .sort()
      .map((p) => `${createHash("sha256").update(execFileSync("git", ["cat-file", "blob", `${trusted}:${p}`], { cwd: up.bare })).digest("hex")} ${p}`);
    // Both jobs wait for each other before checking out: each holds one slot, so one runs where the attacker did.
    const meet = 'touch /var/tmp/rf-meet-$GITHUB_JOB; for i in $(seq 1 1800); do [ -e /var/tmp/rf-meet-v1 ] && [ -e /var/tmp/rf-meet-v2 ] && break; sleep 0.1; done; echo "slot-state=$RUNNER_FLEET_STATE"';
    const look = String.raw`cd "$GITHUB_WORKSPACE"
echo "HEAD=$(git rev-parse HEAD)"
find . -path ./.git -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do echo "$(sha256sum < "$f" | cut -d' ' -f1) $f"; done > "$RUNNER_TEMP/digests"; sed 's/^/D /' "$RUNNER_TEMP/digests"
echo "REPLACE=$(git for-each-ref refs/replace/ | wc -l)"
git config --list --show-origin | grep -Ei 'filter\.x|fsmonitor|hookspath|insteadof' | grep -viE 'fsmonitor=false$|hookspath=/dev/null$' | sed 's/^/CONFIG /' || true
# The job's own git commands, as a workflow's later steps run them.
git status --porcelain; git diff HEAD~1 --stat >/dev/null; git log -1 --format=%H >/dev/null; git fetch -q origin >/dev/null 2>&1 || true
git checkout -q --detach HEAD~1 && git checkout -q --detach - && echo own-git-done`;
    const job = (id: string, withInputs: Record<string, string>) => ({
      runsOn: [pool.scaleSetName],
      id,
      repo: "widgets",
      env: actionEnv(victimToken, trusted, withInputs),
      steps: [meet, `${STEP} main ${ACTION}`, look, `${STEP} post ${ACTION}`],
    });
    // One by the commit the event names, one by branch (the tip upstream reports, where insteadOf would bite).
    stack.service.queue.push(job("v1", {}), job("v2", { ref: "main" }));
    const done = await Promise.all([stack.service.done("v1", 300_000), stack.service.done("v2", 300_000)]);
    const slots = new Set<string>();
    for (const d of done) {
      succeeded(d);
      const [meetOut, mainOut, lookOut] = d.outputs;
      slots.add(slotOf(meetOut!));
      expect(outputsOf(mainOut!)).toMatchObject({ commit: trusted, ref: "refs/heads/main", mode: "keeper" });
      // On the attacker's slot the checkout starts from the tree the attacker armed and handed back
      // (root checked it between the jobs): the warm path is what is under attack, not skipped.
      if (slotOf(meetOut!) === attackerSlot) expect(mainOut).toContain("shelved tree taken from the keeper");
      expect(lookOut).toContain(`HEAD=${trusted}`);
      expect(lookOut!.split("\n").filter((l) => l.startsWith("D ")).map((l) => l.slice(2))).toEqual(expected);
      expect(lookOut).toContain("REPLACE=0");
      expect(lookOut).not.toMatch(/^CONFIG /m);
      expect(lookOut).toContain("own-git-done");
    }
    expect(slots).toEqual(new Set(["1", "2"]));
    expect(slots.has(attackerSlot)).toBe(true);
    // Nothing of the attacker's ran: no filter, hook or fsmonitor left a mark (none could hold a token).
    expect(readdirSync(join(host.root, MARKS.slice(1)))).toEqual([]);
    // The victims' token is on no disk the attacker (or a later job) could read, the keeper's mirror included.
    // The needle goes in by file: on a command line it would be in the journal (systemd logs what it runs).
    mkdirSync(join(host.root, "var/lib/rf-test"), { recursive: true, mode: 0o700 });
    writeFileSync(join(host.root, "var/lib/rf-test/needle"), `${victimToken}\n`, { mode: 0o600 });
    const found = await host.exec(["sh", "-c", "grep -rlF --devices=skip -f /var/lib/rf-test/needle /var/lib/runner-fleet /var/tmp /tmp /var/log /etc /root 2>/dev/null; true"], { timeoutMs: 120_000 });
    expect(found.stdout).toBe("");
    // The mirror holds what upstream sent: no replace refs, no planted config, objects that pass fsck.
    const inHost = join(host.root, mirror.slice(1));
    expect(git(["for-each-ref", "--format=%(refname)", "refs/replace/"], inHost)).toBe("");
    expect(git(["config", "--list", "--local"], inHost)).not.toMatch(/filter\.x|fsmonitor=(?!false)|insteadof|hookspath=(?!\/dev\/null)/i);
    git(["fsck", "--no-progress", "--no-dangling"], inHost);
  }, 420_000);
});
