import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBundle } from "../../components/aws/agent-bundle";
import { poolOf } from "../helpers/host-pools";
import { reports } from "./broker-recorder";
import type { ExecResult, Instance } from "./container";
import { runnerTarball, type Tarball } from "./fixture";
import { canBootHosts, installSteps, Lab } from "./harness";
import { BOOTED_OSES, type DebianOs } from "../../components/aws/host-packages";
import { suiteOf, TEST_REPO, testRepoPackages } from "./rootfs";

/**
 * The program's real user-data booted for real, once per Debian release the program deploys
 * (`debian`: 13, the default; `debian-12`): a root of that release under systemd-nspawn,
 * cloud-init reading the user-data from a NoCloud seed, in a network namespace of the test's own
 * where IMDS and the stand-ins answer. Required in CI; elsewhere it says why it skips.
 */

/**
 * What a slot's job does with docker, run as an ordinary user with subordinate ids: its own
 * rootless daemon (the one the agent gives each slot), a container, a build, and a container
 * asking IMDS for a token. The unit it runs in ends the daemon with it.
 */
const DOCKER_PROBE = String.raw`#!/bin/sh
set -eu
x=/var/tmp/xdg-$(id -u); mkdir -p "$x"; chmod 700 "$x"
(XDG_RUNTIME_DIR=$x dockerd-rootless.sh > "$x/log" 2>&1 &)
for _ in $(seq 1 120); do [ -S "$x/docker.sock" ] && break; sleep 0.5; done
export DOCKER_HOST=unix://$x/docker.sock
if ! docker image inspect rf/busybox >/dev/null 2>&1; then
  d=$(mktemp -d); mkdir -p "$d/bin"; cp /bin/busybox "$d/bin/"
  for t in sh echo cat nc printf head sleep; do ln -s busybox "$d/bin/$t"; done
  tar -C "$d" -c . | docker import - rf/busybox >/dev/null
  printf 'FROM rf/busybox
RUN echo built-in-a-build > /built
' > "$d/Dockerfile"
  docker build -q -t rf/built "$d" >/dev/null
fi
docker run --rm rf/built cat /built
docker run --rm rf/busybox sh -c '(printf "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 5\r\nConnection: close\r\n\r\n"; sleep 3) | nc -w 5 169.254.169.254 80 | head -n 1; echo imds-probe-done'
`;

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const INSTALLED = /runner-fleet-install: (step=finished|FAILED)/;

const OSES = BOOTED_OSES as DebianOs[];

describe.runIf(canBootHosts()).each(OSES)("a host booted from the program's user-data (os: %s)", (os) => {
  let lab: Lab;
  let host: Instance;
  let failed: Instance;
  let tarball: Tarball;
  const bundle = agentBundle();
  const pool = poolOf({ os, arch: "amd64", docker: "rootless" }, { runnersPerHost: 2 });
  const missing = testRepoPackages(suiteOf(os));

  beforeAll(async () => {
    lab = await Lab.start({ asgName: "rf-boot-pool", bucket: "rf-boot-pool", tag: `b${OSES.indexOf(os)}`, os });
    tarball = runnerTarball(lab.dir);
    await lab.putRelease("2.336.0", tarball);
    const agent = await lab.putAgent(bundle.code);

    // A host whose image lacks two packages (one of an alternatives group) that a local
    // repository offers, and whose agent bundle does not match the pinned checksum: the install
    // must install exactly those two, then fail loudly.
    failed = lab.instance("rf-bad", pool, lab.wiring({ key: agent.key, sha256: "f".repeat(64) }));
    execFileSync("chroot", [failed.root, "dpkg", "--purge", ...missing], { stdio: "ignore" });
    writeFileSync(`${failed.root}/etc/apt/sources.list`, `deb [trusted=yes] file:${TEST_REPO} ./\n`);
    failed.boot();
    await failed.waitFor(/Cloud-init v\. .* finished/, 180_000);
    await failed.stop();

    host = lab.instance("rf-host", pool, lab.wiring(agent));
    host.boot();
    await host.waitFor(INSTALLED, 180_000);
  }, 15 * 60_000);

  afterAll(async () => {
    await lab?.close();
  }, 120_000);

  it("installs offline: nothing is missing from a prepared image, so the package manager never runs", () => {
    expect(host.lines.some((l) => /runner-fleet-install: step=finished/.test(l.text)), host.tail(60)).toBe(true);
    const steps = installSteps(host);
    expect(Object.keys(steps)).toEqual(["checks", "packages", "hidepid", "fetch", "node", "agent", "docker", "runner", "start-agent", "finished"]);
    expect(host.lines.filter((l) => /runner-fleet-install: installing|apt-get|Reading package lists/.test(l.text))).toEqual([]);
  });

  it("runs the agent on the runner tarball's glibc Node, both root-owned, both checked", async () => {
    const r = await host.exec(["stat", "-c", "%U:%G %a %n", "/usr/local/lib/runner-fleet", "/usr/local/lib/runner-fleet/node", "/usr/local/lib/runner-fleet/agent.js"]);
    expect(r.stdout.trim().split("\n")).toEqual([
      "root:root 755 /usr/local/lib/runner-fleet",
      "root:root 755 /usr/local/lib/runner-fleet/node",
      "root:root 644 /usr/local/lib/runner-fleet/agent.js",
    ]);
    expect(sha(readFileSync(`${host.root}/usr/local/lib/runner-fleet/node`))).toBe(tarball.nodeSha256);
    expect(sha(readFileSync(`${host.root}/usr/local/lib/runner-fleet/agent.js`))).toBe(bundle.sha256);
    expect((await host.exec(["/usr/local/lib/runner-fleet/node", "-e", "process.stdout.write(process.version)"])).stdout).toBe(process.version);
    expect(readdirSync(`${host.root}/var/tmp`).filter((f) => f.startsWith("runner-fleet-install."))).toEqual([]);
  });

  it("mounts /proc with hidepid=2 now and at every boot: another user's processes are invisible", async () => {
    expect((await host.exec(["findmnt", "-no", "OPTIONS", "/proc"])).stdout).toMatch(/hidepid=(2|invisible)/);
    expect(host.read("etc/fstab")).toMatch(/^proc \/proc proc defaults,hidepid=2 0 0$/m);
    const visible = async (user?: string): Promise<number> => {
      const r = await host.exec(["sh", "-c", "ps -e -o user= | grep -vc \"^$(id -un)\\$\" || true"], user ? { user } : {});
      return Number(r.stdout.trim());
    };
    expect(await visible()).toBeGreaterThan(0);
    expect(await visible("nobody")).toBe(0);
  });

  it("refuses IMDS to every user but root, and the rule does not pile up across agent starts", async () => {
    const token = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", "http://169.254.169.254/latest/api/token"];
    expect((await host.exec(token)).stdout).toBe("200");
    const nobody = await host.exec(token, { user: "nobody" });
    expect(nobody.code).toBe(7);
    expect(nobody.stdout).toBe("000");
    await host.exec(["/usr/local/sbin/runner-fleet-firewall"]);
    const rules = (await host.exec(["iptables", "-S", "OUTPUT"])).stdout.split("\n").filter((l) => l.includes("169.254.169.254"));
    expect(rules).toEqual(["-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT --reject-with icmp-port-unreachable"]);
  });

  it("leaves the root docker daemon off for rootless slots and puts dockerd-rootless.sh on PATH", async () => {
    const r = await host.exec(["sh", "-c", "systemctl is-enabled docker.service docker.socket; for c in dockerd-rootless.sh rootlesskit newuidmap newgidmap; do command -v $c; done"]);
    expect(r.stdout.trim().split("\n")).toEqual(["disabled", "disabled", "/usr/local/bin/dockerd-rootless.sh", "/usr/bin/rootlesskit", "/usr/bin/newuidmap", "/usr/bin/newgidmap"]);
    // The image's docker.io started the root daemon at boot (it fails in the container, lacking
    // privileges nspawn withholds); the install stopped it either way.
    expect((await host.exec(["systemctl", "is-active", "docker.service", "docker.socket"])).stdout.trim().split("\n")).not.toContain("active");
  });

  it("gives a non-root user rootless docker (containers and builds) whose containers cannot reach IMDS", async () => {
    writeFileSync(`${host.root}/var/tmp/rf-docker-probe.sh`, DOCKER_PROBE, { mode: 0o755 });
    expect((await host.exec(["useradd", "--create-home", "rf-probe"])).code).toBe(0);
    const probe = (): Promise<ExecResult> => host.exec(["/var/tmp/rf-docker-probe.sh"], { user: "rf-probe", timeoutMs: 180_000 });
    const fenced = await probe();
    expect(fenced.stdout, fenced.stderr).toContain("built-in-a-build\n");
    expect(fenced.stdout).toContain("imds-probe-done");
    expect(fenced.stdout).not.toMatch(/HTTP\/1\.[01] 200/);
    // Without the firewall the same container gets a token: the check above can fail. (The agent
    // unit is stopped meanwhile: every start of it puts the rule back.)
    const rule = ["OUTPUT", "-d", "169.254.169.254/32", "-m", "owner", "!", "--uid-owner", "0", "-j", "REJECT"];
    await host.exec(["systemctl", "stop", "runner-fleet-agent.service"]);
    expect((await host.exec(["iptables", "-D", ...rule])).code).toBe(0);
    try {
      expect((await probe()).stdout).toMatch(/HTTP\/1\.[01] 200/);
    } finally {
      await host.exec(["/usr/local/sbin/runner-fleet-firewall"]);
      await host.exec(["systemctl", "start", "runner-fleet-agent.service"]);
    }
    expect((await host.exec(["iptables", "-C", ...rule])).code).toBe(0);
  }, 600_000);

  it("installs what an image lacks, and only that, choosing among alternatives in order", () => {
    expect(failed.lines.filter((l) => /runner-fleet-install: installing/.test(l.text)).map((l) => l.text.replace(/^.*runner-fleet-install: /, ""))).toEqual([
      `installing ${missing.join(" ")}`,
    ]);
    const status = readFileSync(`${failed.root}/var/lib/dpkg/status`, "utf8");
    for (const p of missing) expect(status).toMatch(new RegExp(`^Package: ${p}\nStatus: install ok installed$`, "m"));
  });

  it("reports a failed install to the broker as the instance role, and cloud-init shows the failure", () => {
    const failedAt = failed.lines.find((l) => /runner-fleet-install: FAILED/.test(l.text));
    expect(failedAt?.text, failed.tail(60)).toMatch(/FAILED in agent bundle: SHA-256 mismatch \(exit 1\)/);
    expect(failed.lines.some((l) => /Failed to run module scripts-user|scripts-user.*failed/i.test(l.text))).toBe(true);
    expect(reports(lab.broker)).toContainEqual({ v: 1, action: "report", pool: pool.name, event: "install-failed", detail: "agent bundle: SHA-256 mismatch (exit 1)" });
    expect(lab.broker.refused).toEqual([]);
  });

  // Last: it restarts the host. A warm pool's stopped instance starts from the same disk.
  it("started again from the same disk, skips the install and keeps hidepid and the IMDS firewall", async () => {
    await host.stop();
    host.boot();
    await host.waitFor(/Cloud-init v\. .* finished/, 120_000);
    await host.waitFor(/Started runner-fleet-agent\.service/, 60_000);
    expect(host.lines.filter((l) => /runner-fleet-install:/.test(l.text))).toEqual([]);
    expect((await host.exec(["findmnt", "-no", "OPTIONS", "/proc"])).stdout).toMatch(/hidepid=(2|invisible)/);
    const rules = (await host.exec(["iptables", "-S", "OUTPUT"])).stdout.split("\n").filter((l) => l.includes("169.254.169.254"));
    expect(rules).toEqual(["-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT --reject-with icmp-port-unreachable"]);
    expect((await host.exec(["systemctl", "is-enabled", "runner-fleet-agent.service", "docker.service"])).stdout.trim().split("\n")).toEqual(["enabled", "disabled"]);
  }, 240_000);
});
