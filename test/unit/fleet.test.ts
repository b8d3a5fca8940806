import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSummary, summariseFile } from "../../tools/fleet-lib";
import { HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR } from "../../config/prices";
import { readStackFile } from "../../tools/stack-file";
import { REPO } from "../helpers/env";

describe("fleet summary", () => {
  it("lists prod's sets, pools and node groups with an EC2 estimate from the price table", () => {
    const s = summariseFile(readStackFile(REPO, "prod"), new Date("2026-11-23T00:00:00Z"));
    expect(s.error).toBeUndefined();
    const pool = s.rows.find((r) => r.name === "kvm-x64")!;
    expect(pool).toMatchObject({ kind: "host pool", arch: "amd64", labels: "self-hosted,linux,X64,kvm", capacity: "0/1/4" });
    expect(pool.monthly).toBeCloseTo(ON_DEMAND_USD_PER_HOUR["c6i.metal"]! * 1 * HOURS_PER_MONTH);
    expect(s.rows.find((r) => r.name === "graviton-builders")!.note).toContain("spot, at on-demand price");
    expect(s.rows.filter((r) => r.kind === "node group").map((r) => r.name)).toEqual(["amd64", "graviton", "amd64-privileged"]);
    expect(formatSummary(s)).toMatch(/an estimate, not a bill/);
    // 43,800 listener runs × 60 s × 0.25 GB at the arm64 rate, their requests, one secret, three alarms.
    const cp = s.rows.filter((r) => r.kind === "control plane" && r.name === "host pools (Lambda)");
    expect(cp).toHaveLength(1);
    expect(cp[0]!.monthly).toBeCloseTo(657_000 * 0.0000133334 + 0.0438 * 0.2 + 0.4 + 0.3, 4);
  });

  it("validates the documented team and ESC examples", () => {
    for (const stack of ["team-example", "team-esc-example"]) {
      const s = summariseFile(readStackFile(join(REPO, "stacks"), stack), new Date("2026-11-23T00:00:00Z"));
      expect(s.error, stack).toBeUndefined();
      expect(s.team).not.toBe("-");
    }
  });

  it("exits non-zero naming the file and key of an invalid stack", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-"));
    copyFileSync(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    copyFileSync(join(REPO, "Pulumi.dev.yaml"), join(dir, "Pulumi.dev.yaml"));
    writeFileSync(join(dir, "Pulumi.bad.yaml"), "config:\n  runner-fleet:github: { url: https://github.com/acme, auth: token }\n  runner-fleet:hostPools:\n    - { name: x, arch: arm64, instanceTypes: [m7i.large] }\n  aws:region: eu-west-1\n");
    const r = spawnSync(process.execPath, [join(REPO, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(REPO, "tools/fleet.ts")], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`INVALID Pulumi.bad.yaml: runner-fleet:hostPools[0].instanceTypes[0]: "m7i.large" is amd64 but the pool's arch is arm64`);
    expect(r.stdout).toContain("2 stacks, 1 invalid");
  });
});
