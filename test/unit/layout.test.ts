import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/env";

const DEPCRUISE = join(REPO, "node_modules/.bin/depcruise");
const TOP = ["index.ts", "config", "components", "stacks", "tools", "bench", "policy", "test", "host", "control-plane", "protocol", "checkout"];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the repo's own dependency rules over `dir`; returns what they refuse. */
function cruise(dir: string, paths: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(DEPCRUISE, ["--config", join(REPO, ".dependency-cruiser.cjs"), "--output-type", "json", ...paths], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (e) {
    // depcruise exits non-zero when it finds errors; the JSON report is still on stdout.
    out = (e as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const tmp = mkdtempSync(join(tmpdir(), "layout-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(tmp, name);
  for (const [file, text] of Object.entries({ "tsconfig.json": '{"compilerOptions":{"module":"commonjs","moduleResolution":"bundler"}}', ...files })) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

describe("layout rule (dependency-cruiser, .dependency-cruiser.cjs)", () => {
  it("the project itself has no forbidden direction and no cycle", () => {
    expect(cruise(REPO, TOP)).toEqual([]);
  });

  // Each wrong import is refused by the rule that names it: the rule can fail, and says why.
  const cases: [string, Record<string, string>, string][] = [
    ["config importing a component", { "config/model.ts": 'import { x } from "../components/arc/values";\nexport const y = x;\n', "components/arc/values.ts": "export const x = 1;\n" }, "config-is-the-ground"],
    ["a component importing a stack role", { "components/aws/Pool.ts": 'import { p } from "../../stacks/platform";\nexport const y = p;\n', "stacks/platform.ts": "export const p = 1;\n" }, "components-below-stacks"],
    ["a component importing host code", { "components/aws/user-data.ts": 'import { a } from "../../host/agent/config";\nexport const y = a;\n', "host/agent/config.ts": "export const a = 1;\n" }, "components-meet-bundles-through-protocol"],
    ["config importing a stack role", { "config/load.ts": 'import { p } from "../stacks/program";\nexport const y = p;\n', "stacks/program.ts": "export const p = 1;\n" }, "stacks-are-the-roof"],
    ["the host agent importing config", { "host/agent/main.ts": 'import { s } from "../../config/schema";\nexport const y = s;\n', "config/schema.ts": "export const s = 1;\n" }, "bundles-stand-alone"],
    ["the control plane importing the Pulumi SDK", { "control-plane/handler.ts": 'import * as pulumi from "@pulumi/pulumi";\nexport const y = pulumi;\n' }, "bundles-stand-alone"],
    ["the control plane importing host code", { "control-plane/broker/x.ts": 'import { a } from "../../host/agent/slot";\nexport const y = a;\n', "host/agent/slot.ts": "export const a = 1;\n" }, "control-plane-and-host-apart"],
    ["the host importing the control plane", { "host/agent/x.ts": 'import { b } from "../../control-plane/broker/handler";\nexport const y = b;\n', "control-plane/broker/handler.ts": "export const b = 1;\n" }, "host-and-control-plane-apart"],
    ["protocol importing anything", { "protocol/broker.ts": 'import { n } from "../config/names";\nexport const y = n;\n', "config/names.ts": "export const n = 1;\n" }, "protocol-imports-nothing"],
    ["the checkout action importing protocol", { "checkout/src/main.ts": 'import type { AgentConfig } from "../../protocol/agent-config";\nexport const y = (c: AgentConfig) => c;\n', "protocol/agent-config.ts": "export type AgentConfig = { pool: string };\n" }, "checkout-stands-alone"],
    ["the checkout action importing config", { "checkout/src/x.ts": 'import { n } from "../../config/names";\nexport const y = n;\n', "config/names.ts": "export const n = 1;\n" }, "checkout-stands-alone"],
    ["a cycle inside config", { "config/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n', "config/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n' }, "no-cycles"],
    ["a type-only cycle", { "config/a.ts": 'import type { B } from "./b";\nexport type A = { b?: B };\n', "config/b.ts": 'import type { A } from "./a";\nexport type B = { a?: A };\n' }, "no-cycles"],
  ];
  for (const [what, files, rule] of cases) {
    it(`refuses ${what} (${rule})`, () => {
      const dir = tree(what.replace(/\W+/g, "-"), files);
      const found = cruise(dir, [...new Set(Object.keys(files).map((f) => f.split("/")[0]!))]);
      expect(found.map((v) => v.rule.name)).toContain(rule);
    });
  }

  it("allows the directions the layout wants", () => {
    const dir = tree("allowed", {
      "config/schema.ts": "export const s = 1;\n",
      "protocol/agent-config.ts": "export type AgentConfig = { pool: string };\n",
      "components/aws/Pool.ts": 'import { s } from "../../config/schema";\nimport type { AgentConfig } from "../../protocol/agent-config";\nexport const c: AgentConfig = { pool: String(s) };\n',
      "stacks/platform.ts": 'import { c } from "../components/aws/Pool";\nimport { s } from "../config/schema";\nexport const p = [c, s];\n',
      "host/agent/main.ts": 'import type { AgentConfig } from "../../protocol/agent-config";\nexport const h = (c: AgentConfig) => c.pool;\n',
      "control-plane/handler.ts": 'import type { AgentConfig } from "../protocol/agent-config";\nexport const g = (c: AgentConfig) => c.pool;\n',
      "checkout/src/a.ts": 'import { readFileSync } from "node:fs";\nimport { spawn } from "child_process";\nimport { b } from "./b";\nexport const a = () => [readFileSync(b), spawn];\n',
      "checkout/src/b.ts": 'export const b = "x";\n',
    });
    expect(cruise(dir, ["config", "protocol", "components", "stacks", "host", "control-plane", "checkout"])).toEqual([]);
  });
});
