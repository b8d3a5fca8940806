import { describe, expect, it } from "vitest";
import { isBelowMinimum } from "../../control-plane/aws/autoscaling";
import { parseConfig } from "../../host/agent/config";
import { runnerArgv, dockerEnv } from "../../host/agent/docker";
import { procHidesPids } from "../../host/agent/install";
import { SystemdLauncher } from "../../host/agent/launcher";
import { ensureSlotUser, nextSubidStart } from "../../host/agent/users";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { prerequisite } from "../helpers/env";
import type { AgentConfig } from "../../protocol/agent-config";

const base: AgentConfig = {
  poolName: "p",
  asgName: "g",
  region: "eu-west-1",
  brokerUrl: "https://x.lambda-url.eu-west-1.on.aws/",
  slots: 2,
  ephemeral: true,
  recycleAfterJob: false,
  docker: "rootless",
  idleTimeoutSeconds: 300,
  root: "/var/lib/runner-fleet",
  mirror: { bucket: "b", manifestKey: "runner/manifest.json" },
  workMaxAgeHours: 24,
  tickSeconds: 5,
  manifestCheckSeconds: 900,
  endpoints: { imds: "http://169.254.169.254" },
};

describe("agent config", () => {
  it("takes what user-data writes and refuses what would weaken isolation", () => {
    expect(parseConfig(JSON.stringify(base))).toEqual(base);
    expect(() => parseConfig(JSON.stringify({ ...base, docker: "rootful" }))).toThrow(/rootful needs one slot and recycleAfterJob/);
    expect(parseConfig(JSON.stringify({ ...base, docker: "rootful", slots: 1, recycleAfterJob: true })).docker).toBe("rootful");
    expect(() => parseConfig(JSON.stringify({ ...base, recycleAfterJob: true }))).toThrow(/exactly one slot/);
    expect(() => parseConfig(JSON.stringify({ ...base, root: "relative" }))).toThrow(/absolute/);
    expect(() => parseConfig(JSON.stringify({ ...base, warmPool: { hookName: 3 } }))).toThrow(/hookName/);
  });
});

describe("hidepid check", () => {
  it("reads /proc's mount options from mountinfo", () => {
    const line = (opts: string) => `22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc ${opts}\n`;
    expect(procHidesPids(line("rw,hidepid=2"))).toBe(true);
    expect(procHidesPids(line("rw,hidepid=invisible"))).toBe(true);
    expect(procHidesPids(line("rw"))).toBe(false);
    expect(procHidesPids(line("rw,hidepid=1"))).toBe(false);
    expect(procHidesPids(`23 22 0:21 / /mnt/proc rw - proc proc rw,hidepid=2\n${line("rw")}`)).toBe(false);
  });
});

describe("leaving", () => {
  it("reads only AWS's floor refusal as 'below minimum'", () => {
    const v = (message: string) => Object.assign(new Error(message), { name: "ValidationError" });
    expect(isBelowMinimum(v("Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size."))).toBe(true);
    expect(isBelowMinimum(v("Instance Id not found - No managed instance found for instance ID: i-0abc"))).toBe(false);
    expect(isBelowMinimum(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }))).toBe(false);
  });
});

describe("the systemd launcher (used on hosts; run for real by the booted-host test)", () => {
  it("puts each runner in its own transient unit with KillMode=control-group, the slot's ids, read-only binds, and the JIT config only in a root-only EnvironmentFile", () => {
    const args = new SystemdLauncher("/run/rf").args(
      { unit: "rf-slot-1-a", user: { name: "rf-slot-1", uid: 990, gid: 990 }, cwd: "/s/1/state/runner", argv: runnerArgv("none", "/s/1/state/runner/run.sh", "/s/1/state"), env: { ACTIONS_RUNNER_INPUT_JITCONFIG: "eyJzZWNyZXQi" }, binds: [{ src: "/r/2.336.0/bin", dst: "/s/1/state/runner/bin" }] },
      "/run/rf/rf-slot-1-a.env",
    );
    expect(args).toEqual(expect.arrayContaining(["--unit=rf-slot-1-a", "--uid=990", "--gid=990", "--property=KillMode=control-group", "--property=EnvironmentFile=/run/rf/rf-slot-1-a.env", "--property=BindReadOnlyPaths=/r/2.336.0/bin:/s/1/state/runner/bin", "--property=NoNewPrivileges=yes"]));
    expect(args.slice(args.indexOf("--"))).toEqual(["--", "/s/1/state/runner/run.sh"]);
    expect(args.join(" ")).not.toContain("eyJzZWNyZXQi");
  });

  it("gives a rootless slot its own daemon socket under its own runtime dir", () => {
    expect(dockerEnv("rootless", "/s/2/state")).toMatchObject({ XDG_RUNTIME_DIR: "/s/2/state/run", DOCKER_HOST: "unix:///s/2/state/run/docker.sock" });
    expect(runnerArgv("rootless", "/x/run.sh", "/x").at(-1)).toBe("/x/run.sh");
    expect(dockerEnv("none", "/s")).toEqual({});
  });
});

describe("subordinate ids for rootless docker", () => {
  it("start past every range already handed out, in either file", () => {
    expect(nextSubidStart(["", ""])).toBe(100000);
    expect(nextSubidStart(["ubuntu:100000:65536\n", "ubuntu:100000:65536\nrf-slot-1:165536:65536\n"])).toBe(231072);
  });
});

describe.runIf(prerequisite("root (useradd)", process.getuid?.() === 0, "run as root"))("slot users", () => {
  it("are system users without a shell, with their own group and, for rootless docker, their own subordinate ids", async () => {
    const name = `rfs${process.pid % 100000}`;
    try {
      const u = await ensureSlotUser(name, "/var/lib/runner-fleet/slots/9/state/home", true);
      expect(u.uid).toBeGreaterThan(0);
      expect(u.uid).toBeLessThan(1000);
      expect(execFileSync("getent", ["passwd", name], { encoding: "utf8" })).toMatch(/:\/usr\/sbin\/nologin\n$/);
      const line = (f: string) => readFileSync(f, "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
      expect(line("/etc/subuid")).toMatch(new RegExp(`^${name}:\\d+:65536$`));
      expect(line("/etc/subgid")).toBe(line("/etc/subuid"));
      expect(await ensureSlotUser(name, "/x", true)).toEqual(u);
    } finally {
      execFileSync("userdel", [name]);
      for (const f of ["/etc/subuid", "/etc/subgid"]) execFileSync("sed", ["-i", `/^${name}:/d`, f]);
    }
  });
});
