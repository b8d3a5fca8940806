import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OS_PACKAGES } from "../../components/aws/host-packages";
import { agentUnit, firewallScript, RUNNER_NODE_PATH } from "../../components/aws/host-scripts";
import { agentConfig, hostUserData, USER_DATA_LIMIT } from "../../components/aws/host-user-data";
import { AGENT_CONFIG_PATH, type AgentConfig } from "../../protocol/agent-config";
import { hasCommand, prerequisite, SHARED } from "../helpers/env";
import { poolOf, SHAPES, WIRING, type Shape } from "../helpers/host-pools";

type WriteFile = { path: string; content: string; permissions: string; owner: string; encoding?: string };
type CloudConfig = { write_files: WriteFile[]; runcmd: string[][] };

const RUNNER_UPSTREAM = join(SHARED, "upstream/actions-runner-2.336.0");
const name = (s: Shape): string => `${s.os}/${s.arch}/docker ${s.docker}`;

function doc(s: Shape): CloudConfig {
  return parse(hostUserData(poolOf(s), WIRING).slice("#cloud-config\n".length)) as CloudConfig;
}

/** The files as cloud-init writes them (gz+b64 decoded). */
function files(s: Shape): Map<string, WriteFile> {
  return new Map(
    doc(s).write_files.map((f) => [f.path, f.encoding === "gz+b64" ? { ...f, content: gunzipSync(Buffer.from(f.content, "base64")).toString("utf8") } : f]),
  );
}

function installOf(s: Shape): string {
  return files(s).get("/usr/local/sbin/runner-fleet-install")!.content;
}

describe("host user-data", () => {
  it.each(SHAPES.map((s) => [name(s), s] as const))("%s: under half of EC2's 16 KB, no credential, no GitHub download", (_n, s) => {
    const ud = hostUserData(poolOf(s), WIRING);
    expect(ud.startsWith("#cloud-config\n")).toBe(true);
    expect(Buffer.byteLength(ud)).toBeLessThan(USER_DATA_LIMIT / 2);
    const plain = [...files(s).values()].map((f) => f.content).join("\n");
    expect(plain).not.toMatch(/ghp_|ghs_|PRIVATE KEY|github_token|secretsmanager|jitconfig/i);
    expect(plain).not.toMatch(/github\.com|githubusercontent|installdependencies|aws s3 |_alpine\/bin/);
  });

  it("writes the agent's config (protocol/agent-config.ts) for root only, as agentConfig() builds it", () => {
    for (const s of SHAPES) {
      const f = files(s).get(AGENT_CONFIG_PATH)!;
      expect([f.owner, f.permissions]).toEqual(["root:root", "0600"]);
      const written = JSON.parse(f.content) as AgentConfig;
      expect(written).toEqual(agentConfig(poolOf(s), WIRING));
      expect(written).toMatchObject({ docker: s.docker, recycleAfterJob: s.docker === "rootful", brokerUrl: WIRING.brokerUrl, mirror: WIRING.mirror, endpoints: { imds: "http://169.254.169.254" } });
    }
    const warm = agentConfig(poolOf(SHAPES[0]!, { idleTimeoutMinutes: 7, ephemeral: false }), { ...WIRING, endpoints: { imds: "http://10.0.0.1", s3: "http://10.0.0.1:9000" } });
    expect(warm).toMatchObject({ slots: 4, ephemeral: false, idleTimeoutSeconds: 420, endpoints: { imds: "http://10.0.0.1", s3: "http://10.0.0.1:9000" } });
    expect(warm.warmPool).toBeUndefined();
    expect(agentConfig(poolOf(SHAPES[0]!), { ...WIRING, lifecycleHookName: "runner-fleet-prod-p-launch" }).warmPool).toEqual({ hookName: "runner-fleet-prod-p-launch" });
  });

  it("runs the installer once, which fetches from the pool bucket (test endpoints path-style)", () => {
    const d = doc(SHAPES[0]!);
    expect(d.runcmd).toEqual([["/usr/local/sbin/runner-fleet-install"]]);
    const script = installOf(SHAPES[0]!);
    expect(script).toContain("MIRROR='https://rf-pool-bucket.s3.eu-west-1.amazonaws.com' MANIFEST='runner/manifest.json' AGENT_URL='https://rf-pool-bucket.s3.eu-west-1.amazonaws.com/agent/0123abcd/agent.js'");
    const test = parse(hostUserData(poolOf(SHAPES[0]!), { ...WIRING, endpoints: { s3: "http://10.1.1.1:4566/" } }).slice(14)) as CloudConfig;
    const t = gunzipSync(Buffer.from(test.write_files.find((f) => f.encoding === "gz+b64")!.content, "base64")).toString();
    expect(t).toContain("MIRROR='http://10.1.1.1:4566/rf-pool-bucket'");
    const cn = parse(hostUserData(poolOf(SHAPES[0]!), { ...WIRING, region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" }).slice(14)) as CloudConfig;
    const c = gunzipSync(Buffer.from(cn.write_files.find((f) => f.encoding === "gz+b64")!.content, "base64")).toString();
    expect(c).toContain("REGION='cn-north-1'");
    expect(c).toContain("MIRROR='https://rf-pool-bucket.s3.cn-north-1.amazonaws.com.cn'");
  });

  it("names each arch's asset, checks the machine, and takes the glibc Node by its exact path", () => {
    for (const s of SHAPES) {
      const script = installOf(s);
      const [machine, platform] = s.arch === "arm64" ? ["aarch64", "linux-arm64"] : ["x86_64", "linux-x64"];
      expect(script).toContain(`[ "$(uname -m)" = ${machine} ]`);
      expect(script).toContain(`json current.assets.${platform}.key`);
      expect(script).toContain(`--no-anchored '${RUNNER_NODE_PATH}'`);
      expect(RUNNER_NODE_PATH).toBe("externals/node24/bin/node");
    }
  });

  it("keeps the instance role's keys off every command line (curl reads them on stdin)", () => {
    for (const s of SHAPES) {
      const lines = installOf(s).split("\n").filter((l) => /\$(\{)?(SK|ST|AK)\b/.test(l) && !/^\s*AK=\$\(json/.test(l));
      expect(lines, name(s)).toEqual([`  printf 'user = "%s:%s"\\nheader = "x-amz-security-token: %s"\\n' "$AK" "$SK" "$ST" \\`, `  [ -n "$AK" ] || creds`]);
    }
  });

  it("checks the image is the pool's OS release before anything else (os-release ID and VERSION_ID)", () => {
    const check = (os: Shape["os"]): string => installOf({ os, arch: "amd64", docker: "none" }).split("\n").find((l) => l.includes("this image is not"))!;
    expect(check("debian")).toBe(`{ grep -qxE 'ID="?debian"?' /etc/os-release && grep -qxF 'VERSION_ID="13"' /etc/os-release; } || fail "this image is not Debian 13"`);
    expect(check("debian-12")).toBe(`{ grep -qxE 'ID="?debian"?' /etc/os-release && grep -qxF 'VERSION_ID="12"' /etc/os-release; } || fail "this image is not Debian 12"`);
    expect(check("ubuntu")).toBe(`{ grep -qxE 'ID="?ubuntu"?' /etc/os-release && grep -qxF 'VERSION_ID="24.04"' /etc/os-release; } || fail "this image is not Ubuntu 24.04"`);
    expect(check("al2023")).toBe(`[ -e /etc/amazon-linux-release ] || fail "this image is not Amazon Linux 2023"`);
  });

  it("installs per docker mode: rootless keeps the root daemon off, rootful runs it, none has no docker", () => {
    const ub = (docker: Shape["docker"]): string => installOf({ os: "ubuntu", arch: "amd64", docker });
    expect(ub("rootless")).toMatch(/systemctl disable --now "\$u"/);
    expect(ub("rootless")).toContain("'docker.io' 'uidmap' 'rootlesskit' 'slirp4netns'");
    expect(ub("rootful")).toContain("systemctl enable --now docker.service");
    expect(ub("rootful")).not.toContain("rootlesskit");
    expect(ub("none")).not.toMatch(/docker\.io|dockerd/);
    const deb = installOf({ os: "debian", arch: "arm64", docker: "rootless" });
    expect(deb).toContain("'docker.io' 'docker-cli' 'docker-buildx' 'uidmap' 'rootlesskit' 'slirp4netns'");
    expect(installOf({ os: "debian-12", arch: "amd64", docker: "rootful" })).not.toContain("docker-cli");
    expect(deb).toMatch(/for c in dockerd dockerd-rootless\.sh rootlesskit newuidmap newgidmap; do/);
    // al2023 offers no rootless docker (the schema refuses it); its rootful docker is Amazon's package.
    const al = installOf({ os: "al2023", arch: "arm64", docker: "rootful" });
    expect(al).toContain("optional=('lttng-ust')");
    expect(al).toContain("required=(");
    expect(al).toContain("'docker')");
  });
});

describe("OS packages follow actions/runner's installdependencies.sh", () => {
  const script = (): string => readFileSync(join(RUNNER_UPSTREAM, "layoutbin/installdependencies.sh"), "utf8");
  const available = (): boolean => prerequisite("../shared/upstream/actions-runner-2.336.0", existsSync(RUNNER_UPSTREAM), `looked in ${RUNNER_UPSTREAM}`);

  it.runIf(available())("the Debian family installs the script's apt groups, alternatives in its order", () => {
    const text = script();
    const groups: string[][] = [];
    const first = /\$apt_get install -y ([^\n]+)/.exec(text)![1]!.trim().split(/\s+/);
    groups.push(...first.map((p) => [p]));
    for (const m of text.matchAll(/^\s*apt_get_with_fallbacks ([a-z0-9.$ -]+)$/gm)) groups.push(m[1]!.trim().split(/\s+/).map((p) => p.replace(/\$$/, "")));
    expect(groups.length).toBe(5);
    expect(OS_PACKAGES.ubuntu.runner.map((n) => [...n])).toEqual(groups);
  });

  it.runIf(available())("Amazon Linux 2023 installs the script's Fedora list with dnf (lttng-ust when offered) and never runs the script", () => {
    const fedora = /dnf install -y ([^\n]+)/.exec(script())![1]!.trim().split(/\s+/).sort();
    const ours = [...OS_PACKAGES.al2023.runner, ...OS_PACKAGES.al2023.optional].map((n) => n[0]!).sort();
    expect(ours).toEqual(fedora);
    // The script's Fedora branch needs /etc/redhat-release, which AL2023 lacks: it would exit 1.
    expect(script()).toMatch(/elif \[ -e \/etc\/redhat-release \]/);
    for (const s of SHAPES.filter((x) => x.os === "al2023")) expect(installOf(s)).not.toContain("installdependencies");
  });
});

describe("host units", () => {
  it("runs the firewall before every agent start and the agent on its own root-owned Node", () => {
    const unit = agentUnit();
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/runner-fleet-firewall");
    expect(unit).toContain("ExecStart=/usr/local/lib/runner-fleet/node /usr/local/lib/runner-fleet/agent.js /etc/runner-fleet/agent.json");
    expect(unit).toMatch(/KillMode=mixed\nTimeoutStopSec=90/);
  });

  it("refuses IMDS to every non-root user and to a root daemon's containers", () => {
    const fw = firewallScript();
    expect(fw).toContain("rule iptables OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT");
    expect(fw).toContain("rule iptables DOCKER-USER -d 169.254.169.254/32 -j REJECT");
    expect(fw).toContain("rule ip6tables OUTPUT -d fd00:ec2::254/128 -m owner ! --uid-owner 0 -j REJECT");
  });
});

describe.runIf(hasCommand("cloud-init", "cloud-init"))("user-data under cloud-init schema", () => {
  const check = (text: string): boolean => {
    const file = join(mkdtempSync(join(tmpdir(), "ci-")), "user-data");
    writeFileSync(file, text);
    try {
      execFileSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8", stdio: "pipe" });
      return true;
    } catch {
      return false;
    }
  };
  it.each(SHAPES.map((s) => [name(s), s] as const))("%s is valid cloud-config", (_n, s) => {
    expect(check(hostUserData(poolOf(s), WIRING))).toBe(true);
  });
  it("rejects a broken document (the check is live)", () => {
    expect(check("#cloud-config\nwrite_files:\n  - path: /x\n    encoding: gz+b64x\n    content: x\n")).toBe(false);
  });
});

describe.runIf(hasCommand("shellcheck", "shellcheck"))("host scripts under shellcheck", () => {
  const scripts: [string, string][] = [
    ...SHAPES.map((s) => [`install ${name(s)}`, installOf(s)] as [string, string]),
    ["firewall", firewallScript()],
  ];
  // Four OSes × two arches × three docker modes, less al2023's two rootless ones, and the firewall.
  it("covers every installer shape the program emits", () => expect(scripts.length).toBe(4 * 2 * 3 - 2 + 1));
  it.each(scripts)("%s is clean", (_n, text) => {
    const file = join(mkdtempSync(join(tmpdir(), "sc-")), "script");
    writeFileSync(file, text);
    expect(() => execFileSync("shellcheck", ["--severity=style", file], { encoding: "utf8" })).not.toThrow();
  });
});

