import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { asgArn, hostPolicy, hostTrust } from "../../components/aws/host-policies";
import { agentUnit, amiParameter, firewallScript, installScript, rootDevice } from "../../components/aws/host-scripts";
import { agentConfig, hostUserData, USER_DATA_LIMIT } from "../../components/aws/host-user-data";
import { JOB_COMPLETED_HOOK, JOB_STARTED_HOOK } from "../../host/agent/hooks";
import { readConfig } from "../../host/agent/config";
import { githubApiUrl, hostLabels, hostPoolModel, type HostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { RUNNER_TARBALL_SHA256 } from "../../config/versions";
import { sourceFrom, TOKEN } from "../helpers/config";
import { hasCommand } from "../helpers/env";

const WIRING = { secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:runner-fleet/prod/github-AbC", region: "eu-west-1", agentS3Uri: "s3://bucket/agent/abc/agent.js", agentSha256: "a".repeat(64) };

function pools(): HostPoolModel[] {
  const c = {
    github: { url: "https://github.com/acme", auth: "token" },
    hostPools: [
      { name: "al-x64", arch: "amd64", instanceTypes: ["c6i.large"], labels: ["kvm"] },
      { name: "al-arm", arch: "arm64", instanceTypes: ["c7g.large"], runnersPerHost: 4, runnerGroup: "kernel", labels: ["kernel"] },
      { name: "ub-x64", arch: "amd64", os: "ubuntu", instanceTypes: ["m7i.large"], ephemeral: false, labels: ["ubuntu-x64"] },
      { name: "ub-arm", arch: "arm64", os: "ubuntu", instanceTypes: ["m7g.large"], idleTimeoutMinutes: 0, labels: ["ubuntu-arm"] },
    ],
  };
  const cfg = parseStackConfig(sourceFrom(c, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } }));
  return cfg.hostPools.map((p) => hostPoolModel(cfg, p, "runner-fleet", "prod"));
}

type CloudConfig = { write_files: { path: string; content: string; permissions: string; owner: string }[]; runcmd: string[][] };

describe("host user-data", () => {
  it("stays under half of EC2's 16 KB and carries no credential", () => {
    for (const p of pools()) {
      const ud = hostUserData(p, WIRING);
      expect(ud.startsWith("#cloud-config\n")).toBe(true);
      expect(Buffer.byteLength(ud)).toBeLessThan(USER_DATA_LIMIT / 2);
      expect(ud).not.toMatch(/ghp_|ghs_|PRIVATE KEY|github_token/);
    }
  });

  it("writes an agent config the agent reads back as written, readable by root only", () => {
    const dir = mkdtempSync(join(tmpdir(), "ud-"));
    for (const p of pools()) {
      const doc = parse(hostUserData(p, WIRING).slice("#cloud-config\n".length)) as CloudConfig;
      const file = doc.write_files.find((f) => f.path === "/etc/runner-fleet/agent.json")!;
      expect([file.owner, file.permissions]).toEqual(["root:root", "0600"]);
      writeFileSync(join(dir, `${p.name}.json`), file.content);
      expect(readConfig(join(dir, `${p.name}.json`))).toEqual(agentConfig(p, WIRING));
    }
    const arm = agentConfig(pools()[1]!, WIRING);
    expect(arm).toMatchObject({ labels: ["self-hosted", "linux", "ARM64", "kernel"], runnerGroup: "kernel", slots: 4, ephemeral: true, idleTimeoutSeconds: 300, secretArn: WIRING.secretArn });
  });

  it("verifies the runner tarball and the agent bundle against pinned checksums", () => {
    for (const arch of ["amd64", "arm64"] as const) {
      const s = installScript({ os: "al2023", arch, ...WIRING });
      expect(s).toContain(`echo '${RUNNER_TARBALL_SHA256[arch]}  '"$tarball" | sha256sum -c --quiet -`);
      expect(s).toContain(`actions-runner-linux-${arch === "arm64" ? "arm64" : "x64"}-`);
      expect(s).toContain(`echo '${WIRING.agentSha256}  /usr/local/lib/runner-fleet/agent.js' | sha256sum -c --quiet -`);
    }
    expect(installScript({ os: "ubuntu", arch: "amd64", ...WIRING })).toContain("snap install aws-cli --classic");
  });

  it("resolves the AMI from the OS's public SSM parameter for the arch", () => {
    expect(amiParameter("al2023", "arm64")).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(amiParameter("al2023", "amd64")).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(amiParameter("ubuntu", "arm64")).toBe("/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id");
    expect([rootDevice("al2023"), rootDevice("ubuntu")]).toEqual(["/dev/xvda", "/dev/sda1"]);
  });

  it("runs the firewall before every agent start and gives the agent time to deregister", () => {
    const unit = agentUnit();
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/runner-fleet-firewall");
    expect(unit).toMatch(/KillMode=mixed\nTimeoutStopSec=90/);
    expect(firewallScript()).toContain('-d 169.254.169.254/32 -m owner --uid-owner "$uid" -j REJECT');
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
  it.each(pools().map((p) => [p.name, p] as const))("%s is valid cloud-config", (_n, p) => {
    expect(check(hostUserData(p, WIRING))).toBe(true);
  });
  it("rejects a broken document (the check is live)", () => {
    expect(check("#cloud-config\nwrite_files:\n  - path: 1\n    permissions: [x]\n")).toBe(false);
  });
});

describe.runIf(hasCommand("shellcheck", "shellcheck"))("host scripts under shellcheck", () => {
  const scripts: [string, string][] = [
    ...pools().flatMap((p) =>
      (parse(hostUserData(p, WIRING).slice(14)) as CloudConfig).write_files
        .filter((f) => f.content.startsWith("#!"))
        .map((f) => [`${p.name}:${f.path}`, f.content] as [string, string]),
    ),
    ["job-started hook", JOB_STARTED_HOOK],
    ["job-completed hook", JOB_COMPLETED_HOOK],
  ];
  it("covers every script the hosts run", () => expect(scripts.length).toBe(4 * 2 + 2));
  it.each(scripts)("%s is clean", (_n, text) => {
    const file = join(mkdtempSync(join(tmpdir(), "sc-")), "script");
    writeFileSync(file, text);
    expect(() => execFileSync("shellcheck", ["--severity=style", file], { encoding: "utf8" })).not.toThrow();
  });
});

describe("host IAM", () => {
  const arn = asgArn({ partition: "aws", region: "eu-west-1", account: "123456789012", asgName: "runner-fleet-prod-g" });
  const base = { secretArn: WIRING.secretArn, agentObjectArn: "arn:aws:s3:::bucket/agent/abc/agent.js", asgArn: arn, region: "eu-west-1", dnsSuffix: "amazonaws.com" };

  it("grants exactly: read this secret, fetch this object, leave this group", () => {
    expect(arn).toBe("arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/runner-fleet-prod-g");
    const doc = hostPolicy(base);
    expect(doc.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ["secretsmanager:GetSecretValue", WIRING.secretArn],
      ["s3:GetObject", "arn:aws:s3:::bucket/agent/abc/agent.js"],
      ["autoscaling:TerminateInstanceInAutoScalingGroup", arn],
    ]);
    for (const s of doc.Statement) {
      expect(s.Action).not.toContain("*");
      expect(s.Resource).not.toBe("*");
    }
    expect(hostTrust("ec2.amazonaws.com").Statement[0]!.Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  it("adds kms:Decrypt only for a customer key, only via Secrets Manager", () => {
    const doc = hostPolicy({ ...base, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" });
    expect(doc.Statement.at(-1)).toEqual({
      Sid: "DecryptCredential",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: "arn:aws:kms:eu-west-1:123456789012:key/k",
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
    });
  });
});

describe("host labels", () => {
  it("start with GitHub's self-hosted, linux and arch labels, without case-duplicates", () => {
    const [x64, arm] = pools();
    expect(x64!.labels).toEqual(["self-hosted", "linux", "X64", "kvm"]);
    expect(arm!.labels).toEqual(["self-hosted", "linux", "ARM64", "kernel"]);
    expect(hostLabels({ ...x64!.config, labels: ["Linux", "gpu"] })).toEqual(["self-hosted", "linux", "X64", "gpu"]);
    expect(x64!.asgName).toBe("runner-fleet-prod-al-x64");
  });
  it("use the Enterprise Server API root off github.com", () => {
    expect(githubApiUrl("https://github.com/acme")).toBe("https://api.github.com");
    expect(githubApiUrl("https://ghe.example.com/acme")).toBe("https://ghe.example.com/api/v3");
  });
});
