import type { ControlPlanePool } from "../../protocol/control-plane-config";
import type { FunctionUrlEvent } from "./event";

/**
 * Who is calling, from the SigV4-verified role session alone: an EC2 instance profile's session is
 * arn:<partition>:sts::<account>:assumed-role/<role-name>/<instance-id>. The role name in that ARN
 * carries no path, so it is compared with the last segment of the pool's host role ARN.
 */
export interface Caller {
  partition: string;
  account: string;
  roleName: string;
  instanceId: string;
  userArn: string;
}

export type CallerResult = { ok: true; caller: Caller; pools: ControlPlanePool[] } | { ok: false; reason: string; userArn?: string };

const SESSION_ARN = /^arn:(aws|aws-cn|aws-us-gov):sts::([0-9]{12}):assumed-role\/([\w+=,.@-]{1,64})\/([^/]+)$/;
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export function parseRoleArn(arn: string): { partition: string; account: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, roleName: m[3]! } : undefined;
}

/** The caller and the pools whose host role it is a session of; a refusal reason otherwise. */
export function identifyCaller(event: FunctionUrlEvent, pools: ControlPlanePool[]): CallerResult {
  const iam = event.requestContext.authorizer?.iam;
  const userArn = iam?.userArn;
  if (!iam || typeof userArn !== "string") return { ok: false, reason: "no IAM-verified caller in the request context" };
  const m = SESSION_ARN.exec(userArn);
  if (!m) return { ok: false, reason: "caller is not an assumed-role session", userArn };
  const [, partition, account, roleName, sessionName] = m as unknown as [string, string, string, string, string];
  if (iam.accountId !== undefined && iam.accountId !== account) return { ok: false, reason: "caller account does not match its session ARN", userArn };
  if (!INSTANCE_ID.test(sessionName)) return { ok: false, reason: "session name is not an instance id", userArn };
  const matching = pools.filter((p) => {
    const role = parseRoleArn(p.hostRoleArn);
    return role !== undefined && role.partition === partition && role.account === account && role.roleName === roleName;
  });
  if (matching.length === 0) return { ok: false, reason: "caller's role is no pool's host role (or another account)", userArn };
  return { ok: true, caller: { partition, account, roleName, instanceId: sessionName, userArn }, pools: matching };
}
