import { createHash } from "node:crypto";
import { PLACEHOLDER_KUBECONFIG } from "./stack-file";

/** The account every offline render pretends to be in; obviously not a real one. */
export const OFFLINE_ACCOUNT = "123456789012";
export const OFFLINE_SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"];

type Dict = Record<string, unknown>;

/** The partition a region belongs to, as AWS names them (the offline render knows no other source). */
export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
  if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
  return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** Deterministic answers to the invokes the program makes; undefined for any it should not make. */
export function answerInvoke(token: string, inputs: Dict, region: string): Dict | undefined {
  switch (token) {
    case "command:local:run":
      return { ...inputs, stdout: PLACEHOLDER_KUBECONFIG, stderr: "", assets: {} };
    case "aws:index/getPartition:getPartition": {
      const p = partitionOf(region);
      return { id: p.partition, partition: p.partition, dnsSuffix: p.dnsSuffix, reverseDnsPrefix: p.dnsSuffix.split(".").reverse().join(".") };
    }
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.${partitionOf(region).dnsSuffix}`, description: region };
    case "aws:index/getServicePrincipal:getServicePrincipal": {
      // As the provider documents it: logs.amazonaws.com in AWS Commercial, logs.amazonaws.com.cn in AWS China.
      const service = String(inputs.serviceName);
      const suffix = partitionOf(region).dnsSuffix;
      return { id: `${service}.${region}.${suffix}`, name: `${service}.${suffix}`, region, serviceName: service, suffix };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: OFFLINE_ACCOUNT, accountId: OFFLINE_ACCOUNT, arn: `arn:${partitionOf(region).partition}:iam::${OFFLINE_ACCOUNT}:user/offline-render`, userId: "OFFLINE" };
    case "aws:ec2/getVpc:getVpc":
      return { id: "vpc-0default00000000", cidrBlock: "172.31.0.0/16", default: true };
    case "aws:ec2/getSubnet:getSubnet":
      return { id: inputs.id, vpcId: "vpc-0default00000000", availabilityZone: `${region}a`, cidrBlock: "172.31.0.0/20" };
    case "github:index/getRepository:getRepository": {
      const fullName = String(inputs.fullName ?? inputs.name);
      const repoId = Number.parseInt(createHash("sha256").update(fullName).digest("hex").slice(0, 8), 16);
      return { id: fullName, fullName, name: fullName.split("/").pop(), repoId, nodeId: `R_${repoId}` };
    }
    case "aws:ec2/getSubnets:getSubnets":
      return { id: region, ids: OFFLINE_SUBNETS };
    default:
      return undefined;
  }
}

/** What a provider would compute on create, for the outputs the program reads back. */
export function computedState(type: string, name: string, inputs: Dict, region: string): Dict {
  if (!type.startsWith("aws:")) return {};
  const service = type.slice(4, type.indexOf("/"));
  const kind = type.slice(type.lastIndexOf(":") + 1).toLowerCase();
  const physical = typeof inputs.name === "string" ? inputs.name : name;
  const regional = service === "iam" ? "" : region;
  const state: Dict = { name: physical, arn: `arn:${partitionOf(region).partition}:${service}:${regional}:${OFFLINE_ACCOUNT}:${kind}/${physical}` };
  switch (type) {
    case "aws:eks/cluster:Cluster":
      return {
        ...state,
        endpoint: `https://${physical}.gr7.${region}.eks.${partitionOf(region).dnsSuffix}`,
        certificateAuthority: { data: Buffer.from(`offline CA of ${physical}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.${partitionOf(region).dnsSuffix}/id/OFFLINE${physical.toUpperCase()}` }] }],
      };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { ...state, arn: `arn:${partitionOf(region).partition}:iam::${OFFLINE_ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { ...state, latestVersion: 1 };
    // ARN shapes as AWS writes them, so rendered policies read as they would in the account.
    case "aws:s3/bucket:Bucket":
      return { ...state, bucket: physical, arn: `arn:${partitionOf(region).partition}:s3:::${physical}` };
    case "aws:lambda/function:Function":
      return { ...state, arn: `arn:${partitionOf(region).partition}:lambda:${region}:${OFFLINE_ACCOUNT}:function:${physical}` };
    case "aws:lambda/functionUrl:FunctionUrl":
      return { ...state, functionUrl: `https://${createHash("sha256").update(String(inputs.functionName)).digest("hex").slice(0, 32)}.lambda-url.${region}.on.aws/` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { ...state, arn: `arn:${partitionOf(region).partition}:events:${region}:${OFFLINE_ACCOUNT}:rule/${physical}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { ...state, arn: `arn:${partitionOf(region).partition}:logs:${region}:${OFFLINE_ACCOUNT}:log-group:${physical}` };
    // Secrets Manager appends a hyphen and six random characters to the name.
    case "aws:secretsmanager/secret:Secret":
      return { ...state, arn: `arn:${partitionOf(region).partition}:secretsmanager:${region}:${OFFLINE_ACCOUNT}:secret:${physical}-OFFLIN` };
    default:
      return state;
  }
}
