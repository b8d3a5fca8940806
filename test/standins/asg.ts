import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { verifySigV4, type Key } from "./sigv4-verify";
import type { StandinIam } from "../helpers/standin-iam";

/**
 * Auto Scaling's Query API for the two calls the agent makes, where moto is not like AWS: moto
 * 5.2.1's terminate_instance never checks the group's minimum. AWS refuses with decrement at the
 * floor with ValidationError "Currently, desiredSize equals minSize (N). Terminating instance
 * without replacement will violate group's min size constraint. Either set
 * shouldDecrementDesiredCapacity flag to false or lower group's min size." (the text AWS returns,
 * as quoted in aws-cli#47, buildkite/elastic-ci-stack-for-aws#1261, nomad-autoscaler#1290).
 * Requests are SigV4-verified (service autoscaling) and authorised on the group's ARN with the
 * policies the program renders (test/helpers/standin-iam.ts) for whoever signed: the host role's
 * (a host completes its launch hook and nothing else) or the control plane's (the broker, for a
 * leaving host, terminates), answering AWS's 403 AccessDenied otherwise. Required parameters are
 * required as in the API reference (CompleteLifecycleAction: LifecycleHookName,
 * AutoScalingGroupName, LifecycleActionResult CONTINUE|ABANDON; TerminateInstanceInAutoScalingGroup:
 * InstanceId, ShouldDecrementDesiredCapacity).
 */
export interface Group {
  name: string;
  min: number;
  desired: number;
  instances: string[];
  /** Instances waiting in the launch hook. */
  pendingHook: Set<string>;
  /** The group's launch hook, when it has one. */
  hookName?: string;
}


export interface AsgStandin {
  url: string;
  groups: Group[];
  /** Each call's parameters, with `Caller`: whose key signed it. */
  /** Each call's parameters, with `Caller`: whose key signed it. */
  calls: Record<string, string>[];
  close(): Promise<void>;
}

const NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

/** AWS's wording for a missing required member (the same form as its shouldDecrementDesiredCapacity refusal). */
const missing = (member: string): string => `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;

export type AsgCaller = "host" | "control-plane";

export async function startAsg(o: {
  region: string;
  host: () => Key;
  controlPlane: Key;
  iam: StandinIam;
  /** The host's role session ARN (the host key's owner). */
  hostSession: () => string;
}): Promise<AsgStandin> {
  const callerOf = (id: string): AsgCaller | undefined => (id === o.host().accessKeyId ? "host" : id === o.controlPlane.accessKeyId ? "control-plane" : undefined);
  const s: AsgStandin = { url: "", groups: [], calls: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const xml = (status: number, text: string) => {
        res.writeHead(status, { "content-type": "text/xml" });
        res.end(text);
      };
      const error = (status: number, code: string, message: string) =>
        xml(status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      let caller: AsgCaller | undefined;
      const key = (id: string): Key | undefined => {
        caller = callerOf(id);
        return caller === "host" ? o.host() : caller === "control-plane" ? o.controlPlane : undefined;
      };
      const v = verifySigV4({ method: req.method ?? "", url: req.url ?? "/", rawHeaders: req.rawHeaders, body }, { region: o.region, service: "autoscaling", key });
      if (!v.ok || !caller) return error(403, "SignatureDoesNotMatch", v.ok ? "unknown key" : v.reason);
      const p: Record<string, string> = { ...Object.fromEntries(new URLSearchParams(body.toString())), Caller: caller };
      s.calls.push(p);
      const principal = caller === "host" ? o.hostSession() : o.iam.controlPlaneSession;
      const ok = (action: string, result: string) =>
        xml(200, `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`);
      const allowed = async (action: string, group: string): Promise<boolean> => {
        // AWS evaluates the group's tags as aws:ResourceTag/<key> (the control plane's grant is conditioned on them).
        const d = await o.iam.authorize({ principal, action: `autoscaling:${action}`, resource: o.iam.asgArn(group), context: o.iam.groupContext(group) });
        if (d.allowed) return true;
        error(403, "AccessDenied", `User: ${principal} is not authorized to perform: autoscaling:${action} on resource: ${o.iam.asgArn(group)} (${d.reason})`);
        return false;
      };
      if (p.Action === "TerminateInstanceInAutoScalingGroup") {
        if (p.InstanceId === undefined) return error(400, "ValidationError", missing("instanceId"));
        if (p.ShouldDecrementDesiredCapacity === undefined) return error(400, "ValidationError", missing("shouldDecrementDesiredCapacity"));
        const g = s.groups.find((x) => x.instances.includes(p.InstanceId ?? ""));
        if (!g) return error(400, "ValidationError", `Instance Id not found - No managed instance found for instance ID: ${p.InstanceId}`);
        if (!(await allowed("TerminateInstanceInAutoScalingGroup", g.name))) return;
        const dec = p.ShouldDecrementDesiredCapacity === "true";
        if (dec && g.desired - 1 < g.min) {
          return error(400, "ValidationError", `Currently, desiredSize equals minSize (${g.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
        }
        g.instances = g.instances.filter((i) => i !== p.InstanceId);
        if (dec) g.desired--;
        return ok(
          "TerminateInstanceInAutoScalingGroup",
          `<Activity><ActivityId>${randomUUID()}</ActivityId><AutoScalingGroupName>${g.name}</AutoScalingGroupName><Cause>terminated by request</Cause><StartTime>${new Date().toISOString()}</StartTime><StatusCode>InProgress</StatusCode><Progress>0</Progress></Activity>`,
        );
      }
      if (p.Action === "CompleteLifecycleAction") {
        if (p.LifecycleHookName === undefined) return error(400, "ValidationError", missing("lifecycleHookName"));
        if (p.AutoScalingGroupName === undefined) return error(400, "ValidationError", missing("autoScalingGroupName"));
        if (p.LifecycleActionResult === undefined) return error(400, "ValidationError", missing("lifecycleActionResult"));
        if (!["CONTINUE", "ABANDON"].includes(p.LifecycleActionResult)) return error(400, "ValidationError", `LifecycleActionResult must be CONTINUE or ABANDON, got ${p.LifecycleActionResult}`);
        if (p.InstanceId === undefined && p.LifecycleActionToken === undefined) return error(400, "ValidationError", "Either an instance ID or a lifecycle action token must be given");
        if (!(await allowed("CompleteLifecycleAction", p.AutoScalingGroupName))) return;
        const g = s.groups.find((x) => x.name === p.AutoScalingGroupName && (x.hookName === undefined || x.hookName === p.LifecycleHookName));
        if (!g || !p.InstanceId || !g.pendingHook.has(p.InstanceId)) return error(400, "ValidationError", `No active Lifecycle Action found with instance ID ${p.InstanceId}`);
        g.pendingHook.delete(p.InstanceId);
        return ok("CompleteLifecycleAction", "");
      }
      return error(400, "InvalidAction", `no such action ${p.Action}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  s.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return s;
}
