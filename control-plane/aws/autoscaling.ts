import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";

export interface GroupMember {
  instanceId: string;
  asgName: string;
  /** Pending, InService, Standby, Terminating, Warmed:Running, … */
  lifecycleState: string;
}

/** The group and lifecycle state of one instance, or undefined if it is in no Auto Scaling group. */
export async function describeMember(client: AutoScalingClient, instanceId: string): Promise<GroupMember | undefined> {
  const out = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  const found = (out.AutoScalingInstances ?? []).find((i) => i.InstanceId === instanceId);
  if (!found?.AutoScalingGroupName || !found.LifecycleState) return undefined;
  return { instanceId, asgName: found.AutoScalingGroupName, lifecycleState: found.LifecycleState };
}

/** The members of one group; undefined when the group does not exist. */
export async function groupMembers(client: AutoScalingClient, asgName: string): Promise<GroupMember[] | undefined> {
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }));
  const group = (out.AutoScalingGroups ?? []).find((g) => g.AutoScalingGroupName === asgName);
  if (!group) return undefined;
  return (group.Instances ?? []).flatMap((i) => (i.InstanceId && i.LifecycleState ? [{ instanceId: i.InstanceId, asgName, lifecycleState: i.LifecycleState }] : []));
}

/**
 * Terminates one instance and lets the group replace it. Never decrement: a decrementing terminate
 * can make the group rebalance (terminate) other, busy, instances across zones.
 */
export async function replaceInstance(client: AutoScalingClient, instanceId: string): Promise<void> {
  await terminateMember(client, instanceId, false);
}

/** Terminates exactly this instance of its group; with `decrement`, the group's desired capacity drops with it. */
export async function terminateMember(client: AutoScalingClient, instanceId: string, decrement: boolean): Promise<void> {
  await client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: decrement }));
}

/**
 * AWS answers TerminateInstanceInAutoScalingGroup with decrement at the group's floor with this
 * ValidationError ("Currently, desiredSize equals minSize (1). Terminating instance without
 * replacement will violate group's min size constraint. …"); every other ValidationError (unknown
 * instance, an instance already leaving, …) is a different refusal.
 */
export function isBelowMinimum(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; message?: string };
  const code = err?.name ?? err?.Code;
  return code === "ValidationError" && typeof err.message === "string" && /violate group's min size constraint|equals minSize/.test(err.message);
}
