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
  await client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
}
