import { describe, expect, it } from "vitest";
import { asgArn, hostPolicy, hostTrust } from "../../components/aws/host-policies";
import { amiParameter, rootDevice } from "../../components/aws/host-scripts";
import { unbootedOsNotes } from "../../components/aws/host-packages";
import { githubApiUrl, hostLabels, hostPoolModel, type HostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { sourceFrom, TOKEN } from "../helpers/config";


function pools(): HostPoolModel[] {
  const c = {
    github: { url: "https://github.com/acme", auth: "token" },
    hostPools: [
      { name: "al-x64", arch: "amd64", os: "al2023", docker: "none", instanceTypes: ["c6i.large"], labels: ["kvm"] },
      { name: "al-arm", arch: "arm64", os: "al2023", docker: "none", instanceTypes: ["c7g.large"], runnersPerHost: 4, runnerGroup: "kernel", labels: ["kernel"] },
      { name: "ub-x64", arch: "amd64", os: "ubuntu", instanceTypes: ["m7i.large"], ephemeral: false, labels: ["ubuntu-x64"] },
      { name: "ub-arm", arch: "arm64", os: "ubuntu", instanceTypes: ["m7g.large"], idleTimeoutMinutes: 0, labels: ["ubuntu-arm"] },
    ],
  };
  const cfg = parseStackConfig(sourceFrom(c, { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } }));
  return cfg.hostPools.map((p) => hostPoolModel(cfg, p, "runner-fleet", "prod"));
}

describe("host images", () => {
  it("resolves the AMI from the OS's public SSM parameter for the arch", () => {
    expect(amiParameter("al2023", "arm64")).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(amiParameter("al2023", "amd64")).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(amiParameter("ubuntu", "arm64")).toBe("/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id");
    // Debian publishes its own (wiki.debian.org/Cloud/AmazonEC2Image), by release number.
    expect(amiParameter("debian", "arm64")).toBe("/aws/service/debian/release/13/latest/arm64");
    expect(amiParameter("debian", "amd64")).toBe("/aws/service/debian/release/13/latest/amd64");
    expect(amiParameter("debian-12", "amd64")).toBe("/aws/service/debian/release/12/latest/amd64");
    expect([rootDevice("debian"), rootDevice("debian-12"), rootDevice("al2023"), rootDevice("ubuntu")]).toEqual(["/dev/xvda", "/dev/xvda", "/dev/xvda", "/dev/sda1"]);
  });
});

describe("OSes not booted here", () => {
  it("get a render note per pool, keyed by its position; the booted Debian releases none", () => {
    expect(unbootedOsNotes(pools().map((p) => p.config))).toEqual([
      "hostPools[0].os: al2023 (pool al-x64) is not booted here; the booted-host tests boot debian and debian-12 only (docs/ec2-pools.md)",
      "hostPools[1].os: al2023 (pool al-arm) is not booted here; the booted-host tests boot debian and debian-12 only (docs/ec2-pools.md)",
      "hostPools[2].os: ubuntu (pool ub-x64) is not booted here; the booted-host tests boot debian and debian-12 only (docs/ec2-pools.md)",
      "hostPools[3].os: ubuntu (pool ub-arm) is not booted here; the booted-host tests boot debian and debian-12 only (docs/ec2-pools.md)",
    ]);
    expect(unbootedOsNotes([{ name: "a", os: "debian" }, { name: "b", os: "debian-12" }])).toEqual([]);
  });
});

describe("host IAM", () => {
  const arn = asgArn({ partition: "aws", region: "eu-west-1", account: "123456789012", asgName: "runner-fleet-prod-g" });
  const base = {
    bucketArn: "arn:aws:s3:::bucket",
    agentObjectArn: "arn:aws:s3:::bucket/agent/abc/agent.js",
    brokerFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:broker",
    asgArn: arn,
    completesLaunchHook: false,
  };

  it("grants no secret and no terminate: the mirror and agent, the broker through its URL (leaving goes through it)", () => {
    expect(arn).toBe("arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/runner-fleet-prod-g");
    const doc = hostPolicy(base);
    expect(doc.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ["s3:GetObject", ["arn:aws:s3:::bucket/runner/*", "arn:aws:s3:::bucket/agent/abc/agent.js"]],
      ["lambda:InvokeFunctionUrl", base.brokerFunctionArn],
      ["lambda:InvokeFunction", base.brokerFunctionArn],
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/secretsmanager|kms:|Terminate/);
    expect(JSON.stringify(hostPolicy({ ...base, completesLaunchHook: true }))).not.toMatch(/Terminate|ec2:/);
    for (const s of doc.Statement) {
      expect(s.Action).not.toContain("*");
      expect(s.Resource).not.toBe("*");
    }
    expect(hostTrust("ec2.amazonaws.com").Statement[0]!.Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  it("completes a launch hook only on its own group, and only with a warm pool", () => {
    const doc = hostPolicy({ ...base, completesLaunchHook: true });
    expect(doc.Statement.at(-1)).toEqual({ Sid: "CompleteOwnLaunchHook", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: arn });
  });
});

describe("host labels", () => {
  it("are registered name first, then the pool's labels, then GitHub's self-hosted, linux and arch labels, without case-duplicates", () => {
    const [x64, arm] = pools();
    expect(x64!.labels).toEqual(["al-x64", "kvm", "self-hosted", "linux", "X64"]);
    expect(arm!.labels).toEqual(["al-arm", "kernel", "self-hosted", "linux", "ARM64"]);
    expect(hostLabels({ ...x64!.config, labels: ["Linux", "gpu"] })).toEqual(["gpu", "Linux", "self-hosted", "X64"]);
    expect(hostLabels({ ...x64!.config, labels: ["gpu"], selfHostedLabels: false })).toEqual(["gpu"]);
    expect(x64!.asgName).toBe("runner-fleet-prod-al-x64");
  });
  it("use the Enterprise Server API root off github.com", () => {
    expect(githubApiUrl("https://github.com/acme")).toBe("https://api.github.com");
    expect(githubApiUrl("https://ghe.example.com/acme")).toBe("https://ghe.example.com/api/v3");
  });
});
