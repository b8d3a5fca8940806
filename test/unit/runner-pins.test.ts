import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig } from "../../config/load";
import { fleetModel } from "../../config/model";
import { imageRunnerVersion, pinAge, runnerPins } from "../../config/runner-pins";
import { ARC_RUNNER_IMAGE, RUNNER_RELEASES } from "../../config/versions";
import { readStackFile, stackFileSource } from "../../tools/stack-file";
import { baseConfig, sourceFrom, TOKEN } from "../helpers/config";
import { hasUpstream, REPO, UPSTREAM } from "../helpers/env";

const NOV = new Date("2026-11-23T00:00:00Z");

describe("runner versions stay inside GitHub's 30-day window", () => {
  it("ARC sets follow ARC's own default image unless they pin one", () => {
    const model = fleetModel(parseStackConfig(stackFileSource(readStackFile(REPO, "prod"))));
    for (const set of model.runnerSets) expect(set.image, set.name).toBe(ARC_RUNNER_IMAGE);
    if (!hasUpstream()) return;
    const values = parse(readFileSync(join(UPSTREAM, "charts/gha-runner-scale-set.values.yaml"), "utf8")) as { template: { spec: { containers: { name: string; image: string }[] } } };
    expect(values.template.spec.containers.find((c) => c.name === "runner")!.image).toBe(ARC_RUNNER_IMAGE);
  });

  it("records release dates newest first, 2.336.0 on 2026-07-20", () => {
    expect(RUNNER_RELEASES[0]).toEqual({ version: "2.336.0", date: "2026-07-20" });
    const dates = RUNNER_RELEASES.map((r) => Date.parse(r.date));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
  });

  it("says how old a pin is and warns once GitHub's window has closed", () => {
    expect(pinAge("2.335.1", NOV, "k")).toMatchObject({ warn: true, message: expect.stringMatching(/runner 2\.335\.1 \(released 2026-06-09, 167 days ago\) is 96 days past GitHub's 30-day window \(2\.336\.0 came out 2026-07-20\)/) });
    expect(pinAge("2.335.1", new Date("2026-07-25T00:00:00Z"), "k")).toMatchObject({ warn: false, message: expect.stringMatching(/window for it closes in 25 days/) });
    expect(pinAge("2.336.0", NOV, "k")).toMatchObject({ warn: false, message: expect.stringMatching(/newest release known here/) });
    expect(pinAge("2.400.0", NOV, "k").warn).toBe(true);
    expect(imageRunnerVersion("ghcr.io/actions/actions-runner:2.335.1")).toBe("2.335.1");
    expect(imageRunnerVersion("ghcr.io/acme/runner:latest")).toBeUndefined();
  });

  it("EC2 hosts pin no release: they follow the control plane's mirror", () => {
    const pins = runnerPins(parseStackConfig(stackFileSource(readStackFile(REPO, "prod"))), NOV);
    expect(pins.filter((p) => p.warn)).toEqual([]);
    expect(pins.find((p) => p.key === "hostPools")).toMatchObject({ version: undefined, warn: false, message: expect.stringMatching(/mirrors .*nothing pinned/) });
  });

  it("finds the pins of a stack by key", () => {
    const c = baseConfig();
    c.runnerSets = [{ name: "widgets", instances: 1, image: "ghcr.io/actions/actions-runner:2.335.1" }, { name: "other", instances: 1 }];
    const pins = runnerPins(parseStackConfig(sourceFrom(c, { secrets: TOKEN })), NOV);
    expect(pins).toEqual([expect.objectContaining({ key: "runnerSets[0].image", version: "2.335.1", warn: true })]);
  });

  it("npm run fleet and the render print the warning for a stale pin", () => {
    const dir = mkdtempSync(join(tmpdir(), "pins-"));
    copyFileSync(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const dev = readFileSync(join(REPO, "Pulumi.dev.yaml"), "utf8");
    expect(existsSync(join(REPO, "Pulumi.dev.yaml"))).toBe(true);
    writeFileSync(join(dir, "Pulumi.old.yaml"), dev.replace(/(runner-fleet:runnerSets:\n\s+- )/, "$1image: ghcr.io/actions/actions-runner:2.335.1\n      "));
    const env = { ...process.env, RUNNER_FLEET_NOW: "2026-11-23T00:00:00Z" };
    const tool = (name: string, args: string[]) => spawnSync(process.execPath, [join(REPO, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(REPO, "tools", name), ...args], { cwd: dir, encoding: "utf8", env });
    const fleet = tool("fleet.ts", []);
    expect(fleet.stdout).toMatch(/WARNING runnerSets\[0\]\.image: runner 2\.335\.1 .* 96 days past GitHub's 30-day window/);
    const render = tool("render.ts", ["--stack", "old"]);
    expect(render.status, render.stderr).toBe(0);
    expect(render.stderr).toMatch(/warning: runnerSets\[0\]\.image: runner 2\.335\.1/);
  }, 60_000);
});
