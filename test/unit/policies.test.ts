import { describe, expect, it } from "vitest";
import { arcReleases, eksHardening, iamLeastPrivilege, lambdaAccess, launchTemplates, logRetention, noOpenIngress, policies, publicRunnerGroups } from "../../policy/policies";
import { violations } from "../helpers/policy";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const goodLt = {
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } }],
  networkInterfaces: [{ associatePublicIpAddress: "false" }],
  tags: {},
};

describe("launch template policy", () => {
  it("passes a hardened template", () => expect(violations(launchTemplates, LT, goodLt)).toEqual([]));
  it.each([
    ["IMDSv1 allowed", { ...goodLt, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }, /IMDSv2/],
    ["hop limit 3", { ...goodLt, metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 } }, /at most 2/],
    ["hop limit 2 without a reason", { ...goodLt, metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }, /record why/],
    ["an unencrypted disk", { ...goodLt, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] }, /not encrypted/],
    ["no block device at all", { ...goodLt, blockDeviceMappings: [] }, /root block device/],
    ["a key pair", { ...goodLt, keyName: "ops" }, /key pair/],
    ["a public IP nobody allowed", { ...goodLt, networkInterfaces: [{ associatePublicIpAddress: "true" }] }, /public IP/],
  ])("refuses %s", (_n, props, message) => {
    expect(violations(launchTemplates, LT, props as Record<string, unknown>).join("\n")).toMatch(message);
  });
  it("accepts hop limit 2 and a public IP where they are recorded as deliberate", () => {
    const props = { ...goodLt, metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 }, networkInterfaces: [{ associatePublicIpAddress: "true" }], tags: { "runner-fleet:imds-hop-limit-reason": "x", "runner-fleet:public-ip": "allowed" } };
    expect(violations(launchTemplates, LT, props)).toEqual([]);
  });
  it("ignores other types", () => expect(violations(launchTemplates, "aws:s3/bucket:Bucket", { keyName: "x" })).toEqual([]));
});

describe("security group policy", () => {
  const SG = "aws:ec2/securityGroup:SecurityGroup";
  it("passes egress-only and private ingress", () => {
    expect(violations(noOpenIngress, SG, { egress: [{ cidrBlocks: ["0.0.0.0/0"] }], ingress: [{ cidrBlocks: ["10.0.0.0/8"] }] })).toEqual([]);
  });
  it("refuses ingress from anywhere, IPv4 or IPv6, inline or as a rule", () => {
    expect(violations(noOpenIngress, SG, { ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 22 }] })).toHaveLength(1);
    expect(violations(noOpenIngress, SG, { ingress: [{ ipv6CidrBlocks: ["::/0"] }] })).toHaveLength(1);
    expect(violations(noOpenIngress, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "0.0.0.0/0" })).toHaveLength(1);
    expect(violations(noOpenIngress, "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", cidrBlocks: ["0.0.0.0/0"] })).toEqual([]);
  });
});

describe("IAM policy", () => {
  const RP = "aws:iam/rolePolicy:RolePolicy";
  const doc = (Statement: unknown[]) => ({ policy: JSON.stringify({ Version: "2012-10-17", Statement }) });
  it("passes exact ARNs", () => {
    expect(violations(iamLeastPrivilege, RP, doc([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-west-1:1:secret:x" }]))).toEqual([]);
  });
  it.each([
    ["a * action", [{ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }], /wildcard action/],
    ["a service:* action", [{ Effect: "Allow", Action: ["s3:*"], Resource: "arn:aws:s3:::b" }], /wildcard action/],
    ["secrets on *", [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }], /exact ARN/],
    ["kms on *", [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"] }], /exact ARN/],
    ["autoscaling on *", [{ Effect: "Allow", Action: "autoscaling:TerminateInstanceInAutoScalingGroup", Resource: "*" }], /exact ARN/],
  ])("refuses %s", (_n, st, message) => expect(violations(iamLeastPrivilege, RP, doc(st)).join("\n")).toMatch(message));
  it("lets ec2:Describe* style reads stay on * (resource-level permissions do not exist there)", () => {
    expect(violations(iamLeastPrivilege, RP, doc([{ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }]))).toEqual([]);
  });
  it("lets exactly the two Auto Scaling reads without a resource type stay on *, and nothing else of Auto Scaling", () => {
    const reads = ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances"];
    expect(violations(iamLeastPrivilege, RP, doc([{ Effect: "Allow", Action: reads, Resource: "*" }]))).toEqual([]);
    expect(violations(iamLeastPrivilege, RP, doc([{ Effect: "Allow", Action: [...reads, "autoscaling:SetDesiredCapacity"], Resource: "*" }])).join("\n")).toMatch(/^.*autoscaling:SetDesiredCapacity on Resource "\*"/);
  });
});

describe("EKS policy", () => {
  const C = "aws:eks/cluster:Cluster";
  const good = { encryptionConfig: { provider: { keyArn: "arn:aws:kms:x" }, resources: ["secrets"] }, vpcConfig: { endpointPublicAccess: false }, tags: {} };
  it("passes an encrypted private cluster, and a public one the stack asked for", () => {
    expect(violations(eksHardening, C, good)).toEqual([]);
    expect(violations(eksHardening, C, { ...good, vpcConfig: { endpointPublicAccess: true }, tags: { "runner-fleet:public-endpoint": "allowed" } })).toEqual([]);
  });
  it("refuses unencrypted Secrets and an unasked-for public endpoint", () => {
    expect(violations(eksHardening, C, { ...good, encryptionConfig: undefined })).toHaveLength(1);
    expect(violations(eksHardening, C, { ...good, vpcConfig: { endpointPublicAccess: true } })).toHaveLength(1);
  });
});

describe("ARC release policy", () => {
  const R = "kubernetes:helm.sh/v3:Release";
  it("passes a named Secret and a plain pod", () => {
    expect(violations(arcReleases, R, { values: { githubConfigSecret: "runner-fleet-github", template: { spec: { containers: [{ name: "runner" }] } } } })).toEqual([]);
  });
  it("refuses an inline credential and a privileged runner", () => {
    expect(violations(arcReleases, R, { values: { githubConfigSecret: { github_token: "x" } } }).join("\n")).toMatch(/inline/);
    expect(violations(arcReleases, R, { values: { template: { spec: { containers: [{ name: "runner", securityContext: { privileged: true } }] } } } }).join("\n")).toMatch(/privileged/);
  });
});

describe("runner group policy", () => {
  const G = "github:index/actionsRunnerGroup:ActionsRunnerGroup";
  it("refuses public repositories unless the group is listed", () => {
    expect(violations(publicRunnerGroups, G, { name: "oss", allowsPublicRepositories: true })).toHaveLength(1);
    expect(violations(publicRunnerGroups, G, { name: "oss", allowsPublicRepositories: true }, { publicRunnerGroups: ["oss"] })).toEqual([]);
    expect(violations(publicRunnerGroups, G, { name: "private", allowsPublicRepositories: false })).toEqual([]);
  });
  it("are all mandatory", () => expect(policies.every((p) => p.enforcementLevel === "mandatory")).toBe(true));
});

describe("lambda access policy", () => {
  const URL = "aws:lambda/functionUrl:FunctionUrl";
  const PERM = "aws:lambda/permission:Permission";
  const role = "arn:aws:iam::123456789012:role/runner-fleet-prod-p-host";
  it("passes an AWS_IAM URL, host-role permissions through the URL and a scheduled rule with its source", () => {
    expect(violations(lambdaAccess, URL, { functionName: "f", authorizationType: "AWS_IAM" })).toEqual([]);
    expect(violations(lambdaAccess, PERM, { function: "f", action: "lambda:InvokeFunctionUrl", principal: role, functionUrlAuthType: "AWS_IAM" })).toEqual([]);
    expect(violations(lambdaAccess, PERM, { function: "f", action: "lambda:InvokeFunction", principal: role, invokedViaFunctionUrl: true })).toEqual([]);
    expect(violations(lambdaAccess, PERM, { function: "f", action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: "arn:aws:events:eu-west-1:1:rule/r" })).toEqual([]);
  });
  it.each([
    ["a public URL", URL, { functionName: "f", authorizationType: "NONE" }, /AWS_IAM/],
    ["anyone", PERM, { function: "f", action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" }, /name the one role/],
    ["a whole account", PERM, { function: "f", action: "lambda:InvokeFunction", principal: "123456789012" }, /name the one role/],
    ["an account root", PERM, { function: "f", action: "lambda:InvokeFunction", principal: "arn:aws:iam::123456789012:root" }, /name the one role/],
    ["a service from anywhere", PERM, { function: "f", action: "lambda:InvokeFunction", principal: "events.amazonaws.com" }, /sourceArn/],
    ["a URL permission without its auth type", PERM, { function: "f", action: "lambda:InvokeFunctionUrl", principal: role }, /functionUrlAuthType AWS_IAM/],
  ])("refuses %s", (_n, type, props, message) => expect(violations(lambdaAccess, type, props).join("\n")).toMatch(message));
});

describe("log retention policy", () => {
  const LG = "aws:cloudwatch/logGroup:LogGroup";
  it("passes a group with retention and refuses one without", () => {
    expect(violations(logRetention, LG, { name: "/x", retentionInDays: 30 })).toEqual([]);
    expect(violations(logRetention, LG, { name: "/x" }).join("\n")).toMatch(/retentionInDays/);
  });
});
