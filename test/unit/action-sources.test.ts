import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMPOSITE_RUNS, DEFAULT_CONTEXTS, NODE_RUNS } from "../../tools/action-metadata";
import { REPO } from "../helpers/env";

/**
 * The hand-kept action pins and metadata rules, held to their sources: each pinned action's
 * action.yml at the pinned commit, and actions/runner's action_yaml.json (both fetched once into
 * test/fixtures/action-sources.json, whose provenance says how to refresh it).
 */
interface Pin {
  action: string;
  sha: string;
  using: string;
  inputs: string[];
}
const PINS = (JSON.parse(readFileSync(join(REPO, "test/fixtures/action-pins.json"), "utf8")) as { pins: Pin[] }).pins;
const SOURCES = JSON.parse(readFileSync(join(REPO, "test/fixtures/action-sources.json"), "utf8")) as {
  provenance: { fetched: string; how: string };
  actions: { repo: string; sha: string; path: string; using: string; inputs: string[] }[];
  runnerSchema: { repo: string; sha: string; path: string; how: string; nodeRuns: string[]; compositeRuns: string[]; inputDefaultContexts: string[] };
};

describe("action pins against each action's own action.yml at the pinned commit", () => {
  it("has a source with its provenance for every pin, and no source without a pin", () => {
    expect(SOURCES.provenance.how).toMatch(/Refresh/);
    expect(SOURCES.actions.map((a) => `${a.repo}@${a.sha}`).sort()).toEqual(PINS.map((p) => `https://github.com/${p.action}@${p.sha}`).sort());
    for (const a of SOURCES.actions) expect(a.path).toMatch(/^action\.ya?ml$/);
  });

  it.each(PINS.map((p) => [p.action, p] as const))("%s: runtime and inputs are the action's own", (_, pin) => {
    const src = SOURCES.actions.find((a) => a.repo === `https://github.com/${pin.action}` && a.sha === pin.sha)!;
    expect({ using: pin.using, inputs: [...pin.inputs].sort() }).toEqual({ using: src.using, inputs: src.inputs });
  });
});

describe("metadata rules against actions/runner's action_yaml.json", () => {
  it("allows exactly the runs keys the runner's schema allows for node and composite actions", () => {
    expect(SOURCES.runnerSchema.path).toBe("src/Runner.Worker/action_yaml.json");
    expect([...NODE_RUNS].sort()).toEqual(SOURCES.runnerSchema.nodeRuns);
    expect([...COMPOSITE_RUNS].sort()).toEqual(SOURCES.runnerSchema.compositeRuns);
  });

  it("lets input defaults use exactly the schema's contexts", () => {
    const names = SOURCES.runnerSchema.inputDefaultContexts.map((c) => c.replace(/\(.*$/, ""));
    for (const c of names) expect(`${c}${c === "hashFiles" ? "(" : ""}`, c).toMatch(DEFAULT_CONTEXTS);
    for (const c of ["secrets", "env", "inputs", "steps", "vars", "needs"]) expect(c).not.toMatch(DEFAULT_CONTEXTS);
  });
});
