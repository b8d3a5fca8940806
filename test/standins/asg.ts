import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { verifySigV4, type Key } from "./sigv4-verify";

/**
 * Auto Scaling's Query API for the two calls the agent makes, where moto is not like AWS: moto
 * 5.2.1's terminate_instance never checks the group's minimum. AWS refuses with decrement at the
 * floor with ValidationError "Currently, desiredSize equals minSize (N). Terminating instance
 * without replacement will violate group's min size constraint. Either set
 * shouldDecrementDesiredCapacity flag to false or lower group's min size." (the text AWS returns,
 * as quoted in aws-cli#47, buildkite/elastic-ci-stack-for-aws#1261, nomad-autoscaler#1290).
 * Requests are SigV4-verified (service autoscaling) and held to what each caller's role is
 * granted in the program (components/aws/host-policies.ts, components/control-plane/policies.ts):
 * a host completes its launch hook and nothing else; only the control plane (the broker, for a
 * leaving host) terminates. Anything else is AWS's AccessDenied.
 */
export interface Group {
  name: string;
  min: number;
  desired: number;
  instances: string[];
  /** Instances waiting in the launch hook. */
  pendingHook: Set<string>;
}

export type AsgCaller = "host" | "control-plane";

/** What each role may call here, as the program's policies grant it. */
const GRANTS: Record<AsgCaller, readonly string[]> = {
  host: ["CompleteLifecycleAction"],
  "control-plane": ["TerminateInstanceInAutoScalingGroup"],
};

export interface AsgStandin {
  url: string;
  groups: Group[];
  /** Each call's parameters, with `Caller`: whose key signed it. */
  calls: Record<string, string>[];
  close(): Promise<void>;
}

const NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

export async function startAsg(o: { region: string; host: () => Key; controlPlane: Key }): Promise<AsgStandin> {
  const callerOf = (id: string): AsgCaller | undefined => (id === o.host().accessKeyId ? "host" : id === o.controlPlane.accessKeyId ? "control-plane" : undefined);
  const s: AsgStandin = { url: "", groups: [], calls: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
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
      if (!GRANTS[caller].includes(p.Action ?? "")) {
        return error(403, "AccessDenied", `User: ${caller} is not authorized to perform: autoscaling:${p.Action} because no identity-based policy allows the autoscaling:${p.Action} action`);
      }
      const ok = (action: string, result: string) =>
        xml(200, `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`);
      if (p.Action === "TerminateInstanceInAutoScalingGroup") {
        const g = s.groups.find((x) => x.instances.includes(p.InstanceId ?? ""));
        if (!g) return error(400, "ValidationError", `Instance Id not found - No managed instance found for instance ID: ${p.InstanceId}`);
        if (p.ShouldDecrementDesiredCapacity === undefined) return error(400, "ValidationError", "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null");
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
        const g = s.groups.find((x) => x.name === p.AutoScalingGroupName);
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
