import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { LeaveAnswer, LeaveRequest } from "../../protocol/broker";
import { isBelowMinimum, terminateMember } from "../aws/autoscaling";
import { Refusal } from "./refusal";

/**
 * A verified caller's own instance leaves its group: the broker's role terminates it, so no host
 * role needs a terminate of its own (with one, root on any host could end its neighbours' jobs).
 * The instance id comes from the verified role session only, never from the body. AWS's floor
 * refusal becomes `at-minimum`, apart from every other refusal, for the agent to stay or retry
 * without decrement.
 */
export async function leaveGroup(autoscaling: AutoScalingClient, instanceId: string, request: LeaveRequest): Promise<LeaveAnswer> {
  try {
    await terminateMember(autoscaling, instanceId, request.decrement);
  } catch (e) {
    if (isBelowMinimum(e)) throw new Refusal("at-minimum", "the group is at its minimum size: leaving with decrement would take it below");
    throw e;
  }
  return { v: 1, left: true, decremented: request.decrement };
}
