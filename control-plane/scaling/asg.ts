import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, type AutoScalingClient } from "@aws-sdk/client-auto-scaling";

export interface RaiseResult {
  /** The group's desired capacity before. */
  current: number;
  /** What it is now: `current` when no raise was needed. */
  desired: number;
  raised: boolean;
}

/**
 * Raises the group's desired capacity to `target` at once (HonorCooldown false), and never lowers
 * it: hosts leave by themselves when idle (scale-in protection off, self-terminate with decrement),
 * so lowering it here could take down a host that runs a job. The group's max is a hard ceiling.
 */
export async function raiseDesired(client: AutoScalingClient, asgName: string, target: number): Promise<RaiseResult> {
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }));
  const group = (out.AutoScalingGroups ?? []).find((g) => g.AutoScalingGroupName === asgName);
  if (!group) throw new Error(`Auto Scaling group ${asgName} not found`);
  const current = group.DesiredCapacity ?? 0;
  const wanted = Math.min(target, group.MaxSize ?? target);
  if (wanted <= current) return { current, desired: current, raised: false };
  await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: asgName, DesiredCapacity: wanted, HonorCooldown: false }));
  return { current, desired: wanted, raised: true };
}

/** AWS throttling answers HTTP 400 with one of these codes (the SDK retries them first). */
export function isThrottling(e: unknown): boolean {
  const name = (e as { name?: string; Code?: string } | undefined)?.name ?? (e as { Code?: string } | undefined)?.Code;
  return name === "Throttling" || name === "ThrottlingException" || name === "RequestLimitExceeded" || name === "TooManyRequestsException";
}
