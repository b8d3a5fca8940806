import { CreateAutoScalingGroupCommand, EnterStandbyCommand, ExitStandbyCommand } from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { createAwsClients, type AwsClients } from "../../control-plane/aws/clients";
import type { FunctionUrlEvent } from "../../control-plane/broker/event";
import type { ControlPlaneMoto } from "../helpers/iam-moto";
import { MOTO_ACCOUNT, MOTO_CREDENTIALS } from "../helpers/moto";
import { standinIam } from "../helpers/standin-iam";

/** A fleet in moto: two pools, their groups and instances, the bucket and the credential secret. */
export const REGION = "eu-west-1";
export const BUCKET = "fleet-state";
/** A token-shaped canary: if it shows up in an answer or a log line, something leaked. */
export const CANARY_TOKEN = "ghp_CANARYcanaryCANARYcanary0123456789ab";

export function pool(name: string, over: Partial<ControlPlanePool> = {}): ControlPlanePool {
  return {
    name,
    scaleSetName: `${name}-set`,
    labels: [],
    runnerGroup: "default",
    githubUrl: "https://github.com/my-org",
    asgName: `asg-${name}`,
    // A role with a path: the session ARN carries only the role's name.
    hostRoleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/runner-fleet/hosts/${name}-host`,
    runnersPerHost: 2,
    minHosts: 0,
    maxHosts: 4,
    warmIdleRunners: 0,
    registrationDeadlineSeconds: 600,
    brokerStates: [],
    ...over,
  };
}

export interface MotoFleet {
  /** The control plane's clients: every call authorised with its rendered policy (test/helpers/iam-moto.ts). */
  clients: AwsClients;
  /** The test's own clients, straight to moto: setting the scene and looking at it. */
  admin: AwsClients;
  config: ControlPlaneConfig;
  secretArn: string;
  /** Instance ids per pool, as the groups launched them. */
  instances: Record<string, string[]>;
  /** An instance in no group. */
  loner: string;
}

/**
 * The groups carry the tags the render gives a stack's groups (the control plane's grant is scoped
 * by them and by the name prefix `asg-`); once the scene is set, the rendered control-plane policy
 * is put in force for this world's bucket, groups and secret.
 */
export async function setUpFleet(moto: ControlPlaneMoto, pools: ControlPlanePool[], desired: Record<string, number>, secret: string, o: { groupPrefix?: string } = {}): Promise<MotoFleet> {
  const endpoint = moto.endpoint;
  const clients = createAwsClients({ region: REGION, endpoint, credentials: MOTO_CREDENTIALS });
  const world = { role: `${pools[0]?.name ?? "none"}-host`, asgName: pools[0]?.asgName ?? "asg-none", bucket: BUCKET, groupPrefix: o.groupPrefix ?? "asg-", stackGroups: pools.map((p) => p.asgName) };
  const tags = Object.entries((await standinIam({ account: MOTO_ACCOUNT, region: REGION, ...world })).stackTags).map(([Key, Value]) => ({ Key, Value }));
  // EC2 only sets the scene: the control plane itself never calls it.
  const ec2 = new EC2Client({ region: REGION, endpoint, credentials: MOTO_CREDENTIALS });
  const images = await ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId;
  if (!imageId) throw new Error("moto has no AMI");
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "hosts", LaunchTemplateData: { ImageId: imageId, InstanceType: "t3.micro" } }));
  const instances: Record<string, string[]> = {};
  for (const p of pools) {
    const n = desired[p.name] ?? 1;
    await clients.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: p.asgName,
        LaunchTemplate: { LaunchTemplateName: "hosts", Version: "$Latest" },
        MinSize: 0,
        MaxSize: p.maxHosts,
        DesiredCapacity: n,
        AvailabilityZones: [`${REGION}a`],
        Tags: tags,
      }),
    );
    const g = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [p.asgName] }));
    instances[p.name] = (g.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!);
    if (instances[p.name]!.length !== n) throw new Error(`moto launched ${instances[p.name]!.length} instances for ${p.asgName}, wanted ${n}`);
  }
  const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro" }));
  const loner = run.Instances![0]!.InstanceId!;
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  const sec = await clients.secrets.send(new CreateSecretCommand({ Name: "runner-fleet/github", SecretString: secret }));
  const config: ControlPlaneConfig = {
    v: 1,
    fleet: "test",
    region: REGION,
    credentialSecretArn: sec.ARN!,
    bucket: BUCKET,
    githubApiUrl: "https://api.github.com",
    pools,
    jobWaitAlarmSeconds: 300,
    endpoints: { aws: moto.controlPlane.endpoint },
  };
  await moto.useWorld({ ...world, secretArn: sec.ARN! });
  const controlPlane = createAwsClients({ region: REGION, endpoint: moto.controlPlane.endpoint, credentials: moto.controlPlane.credentials });
  return { clients: controlPlane, admin: clients, config, secretArn: sec.ARN!, instances, loner };
}

export async function standBy(clients: AwsClients, asgName: string, instanceId: string): Promise<void> {
  await clients.autoscaling.send(new EnterStandbyCommand({ AutoScalingGroupName: asgName, InstanceIds: [instanceId], ShouldDecrementDesiredCapacity: false }));
}

export async function exitStandby(clients: AwsClients, asgName: string, instanceId: string): Promise<void> {
  await clients.autoscaling.send(new ExitStandbyCommand({ AutoScalingGroupName: asgName, InstanceIds: [instanceId] }));
}

export async function emptyBucket(clients: AwsClients): Promise<void> {
  const list = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  for (const o of list.Contents ?? []) await clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
}

/** Every object in the bucket with its content: compared before and after a refusal. */
export async function bucketSnapshot(clients: AwsClients): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const list = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  for (const o of list.Contents ?? []) {
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
    out[o.Key!] = await got.Body!.transformToString("utf8");
  }
  return out;
}

export async function groupSnapshot(clients: AwsClients, asgNames: string[]): Promise<string> {
  const g = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: asgNames }));
  return JSON.stringify(
    (g.AutoScalingGroups ?? []).map((x) => ({ name: x.AutoScalingGroupName, desired: x.DesiredCapacity, instances: (x.Instances ?? []).map((i) => [i.InstanceId, i.LifecycleState]).sort() })),
  );
}

let requestSeq = 0;

/** A function URL event (payload format 2.0) as Lambda delivers it with AWS_IAM auth. */
export function urlEvent(opts: {
  body?: unknown;
  rawBody?: string;
  base64?: boolean;
  userArn?: string;
  iamAccountId?: string;
  noIam?: boolean;
  method?: string;
  path?: string;
  requestId?: string;
  timeEpoch?: number;
}): FunctionUrlEvent {
  const text = opts.rawBody ?? JSON.stringify(opts.body);
  const account = opts.iamAccountId ?? /sts::(\d{12}):/.exec(opts.userArn ?? "")?.[1] ?? MOTO_ACCOUNT;
  return {
    version: "2.0",
    rawPath: opts.path ?? "/",
    headers: { "content-type": "application/json", host: "abc123.lambda-url.eu-west-1.on.aws" },
    body: opts.base64 ? Buffer.from(text, "utf8").toString("base64") : text,
    isBase64Encoded: opts.base64 ?? false,
    requestContext: {
      accountId: MOTO_ACCOUNT,
      requestId: opts.requestId ?? `req-${++requestSeq}`,
      timeEpoch: opts.timeEpoch ?? Date.now(),
      http: { method: opts.method ?? "POST", path: opts.path ?? "/", sourceIp: "10.0.1.23", userAgent: "runner-fleet-agent" },
      ...(opts.noIam
        ? {}
        : { authorizer: { iam: { accessKey: "ASIAEXAMPLE", accountId: account, callerId: "AROAEXAMPLE:i-x", userArn: opts.userArn ?? "", userId: "AROAEXAMPLE:i-x", principalOrgId: null, cognitoIdentity: null } } }),
    },
  };
}

export const sessionArn = (roleName: string, instanceId: string, account = MOTO_ACCOUNT): string => `arn:aws:sts::${account}:assumed-role/${roleName}/${instanceId}`;
