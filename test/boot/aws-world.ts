import { MOTO_ACCOUNT, startMoto, type Moto } from "../helpers/moto";
import { query, s3, xml, type Aws, type Creds } from "./aws";
import type { PolicyDocument } from "../../components/aws/policy-document";

/** Requests moto answers before it starts checking signatures and policies: the admin's bootstrap. */
const BOOTSTRAP_ACTIONS = 3;
const IAM = ["iam", "2010-05-08"] as const;
const STS = ["sts", "2011-06-15"] as const;
const ASG = ["autoscaling", "2011-01-01"] as const;
const EC2 = ["ec2", "2016-11-15"] as const;

export interface World {
  moto: Moto;
  region: string;
  bucket: string;
  asgName: string;
  hostRole: string;
  instanceId: string;
  admin: Aws;
  /** The instance role's session credentials, as IMDS hands them to the instance. */
  hostCreds: Creds & { sessionToken: string };
  hookName: string;
}

const policy = (statements: object[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/**
 * The AWS side of one host pool in moto, with IAM enforced: the pool bucket, the host role with the
 * policies the program renders for a host (given by the caller from test/helpers/standin-iam.ts; no
 * terminate: the broker takes a leaving host out),
 * an Auto Scaling group whose instance the booted container plays, and that instance's role
 * session (session name = instance id, as EC2 names it).
 */
export async function startWorld(o: { region: string; bucket: string; asgName: string; withHook?: boolean; hostPolicies: PolicyDocument[] }): Promise<World> {
  const moto = await startMoto(30_000, { INITIAL_NO_AUTH_ACTION_COUNT: String(BOOTSTRAP_ACTIONS) });
  try {
    const anon: Aws = { endpoint: moto.endpoint, region: o.region, creds: { accessKeyId: "bootstrap", secretAccessKey: "bootstrap" } };
    await query(anon, ...IAM, "CreateUser", { UserName: "admin" });
    await query(anon, ...IAM, "PutUserPolicy", { UserName: "admin", PolicyName: "all", PolicyDocument: policy([{ Effect: "Allow", Action: "*", Resource: "*" }]) });
    const key = await query(anon, ...IAM, "CreateAccessKey", { UserName: "admin" });
    const admin: Aws = { endpoint: moto.endpoint, region: o.region, creds: { accessKeyId: xml(key, "AccessKeyId"), secretAccessKey: xml(key, "SecretAccessKey") } };

    const bucketXml = `<CreateBucketConfiguration><LocationConstraint>${o.region}</LocationConstraint></CreateBucketConfiguration>`;
    const made = await s3(admin, "PUT", `/${o.bucket}`, Buffer.from(bucketXml));
    if (made.status !== 200) throw new Error(`CreateBucket ${o.bucket}: HTTP ${made.status}: ${made.text.slice(0, 300)}`);

    await query(admin, ...EC2, "CreateLaunchTemplate", { LaunchTemplateName: "rf-host", "LaunchTemplateData.ImageId": "ami-12c6146b", "LaunchTemplateData.InstanceType": "t3.micro" });
    await query(admin, ...ASG, "CreateAutoScalingGroup", {
      AutoScalingGroupName: o.asgName,
      "LaunchTemplate.LaunchTemplateName": "rf-host",
      MinSize: "0",
      MaxSize: "2",
      DesiredCapacity: "1",
      "AvailabilityZones.member.1": `${o.region}a`,
    });
    const hookName = `${o.asgName}-launch`;
    if (o.withHook) {
      await query(admin, ...ASG, "PutLifecycleHook", { AutoScalingGroupName: o.asgName, LifecycleHookName: hookName, LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout: "900", DefaultResult: "ABANDON" });
    }
    const groups = await query(admin, ...ASG, "DescribeAutoScalingGroups", { "AutoScalingGroupNames.member.1": o.asgName });
    const instanceId = xml(groups, "InstanceId");

    const hostRole = `${o.asgName}-host`;
    await query(admin, ...IAM, "CreateRole", {
      RoleName: hostRole,
      AssumeRolePolicyDocument: policy([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT}:user/admin` }, Action: "sts:AssumeRole" }]),
    });
    const world: World = { moto, region: o.region, bucket: o.bucket, asgName: o.asgName, hostRole, instanceId, admin, hostCreds: { accessKeyId: "", secretAccessKey: "", sessionToken: "" }, hookName };
    await putHostPolicies(world, o.hostPolicies);
    const session = await query(admin, ...STS, "AssumeRole", { RoleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${hostRole}`, RoleSessionName: instanceId, DurationSeconds: "3600" });
    world.hostCreds = { accessKeyId: xml(session, "AccessKeyId"), secretAccessKey: xml(session, "SecretAccessKey"), sessionToken: xml(session, "SessionToken") };
    return world;
  } catch (e) {
    await moto.stop();
    throw e;
  }
}

/** Replaces the host role's inline policies (moto evaluates them at each request, so live sessions follow). */
export async function putHostPolicies(w: World, docs: PolicyDocument[]): Promise<void> {
  for (const [i, doc] of docs.entries()) await query(w.admin, ...IAM, "PutRolePolicy", { RoleName: w.hostRole, PolicyName: `rendered-${i}`, PolicyDocument: JSON.stringify(doc) });
}

/** The group as Auto Scaling reports it: desired capacity and each instance's lifecycle state. */
export async function groupState(w: World): Promise<{ desired: number; instances: Record<string, string> }> {
  const g = await query(w.admin, ...ASG, "DescribeAutoScalingGroups", { "AutoScalingGroupNames.member.1": w.asgName });
  const instances: Record<string, string> = {};
  for (const m of g.matchAll(/<member>\s*<InstanceId>([^<]+)<\/InstanceId>[\s\S]*?<LifecycleState>([^<]+)<\/LifecycleState>/g)) instances[m[1]!] = m[2]!;
  return { desired: Number(xml(g, "DesiredCapacity")), instances };
}
