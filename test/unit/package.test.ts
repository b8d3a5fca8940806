import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allKeys, configReference, defaultSentence } from "../../config/reference";
import { REPO } from "../helpers/env";
import { checkYamlProgram, type PackageSchema } from "../helpers/schema-check";

type Json = { [k: string]: unknown };
const COMPONENTS = ["RunnerFleet", "Ec2RunnerPools", "ArcRunnerSets", "GithubRunnerGroups"];
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Json & { name: string; version: string; description: string };

let packed: string[] = [];
let schema: PackageSchema;
const dir = mkdtempSync(join(tmpdir(), "runner-fleet-pack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What `npm pack` would publish, unpacked, is what Pulumi's own analyzer (the one
// `pulumi package add` runs through the Node SDK's component provider) reads the schema from.
beforeAll(() => {
  const out = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" })) as { files: { path: string }[] }[];
  packed = out[0]!.files.map((f) => f.path);
  for (const f of packed) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(REPO, f), join(dir, f));
  }
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  const analyzed = new Analyzer(dir, pkg.name, pkg, new Set(COMPONENTS)).analyze();
  schema = generateSchema(pkg.name, pkg.version, pkg.description, analyzed.components, analyzed.typeDefinitions, analyzed.dependencies) as unknown as PackageSchema;
}, 600_000);

/** Every property spec in the schema: component inputs and outputs, type properties, and what they hold. */
function properties(): [string, Json][] {
  const out: [string, Json][] = [];
  const visit = (at: string, p: Json, described: boolean): void => {
    out.push([at, { ...p, described }]);
    if (p.items) visit(`${at}[]`, p.items as Json, true);
    if (p.additionalProperties) visit(`${at}{}`, p.additionalProperties as Json, true);
  };
  for (const [t, r] of Object.entries(schema.resources)) {
    for (const [k, p] of Object.entries(r.inputProperties ?? {})) visit(`${t} input ${k}`, p, false);
    for (const [k, p] of Object.entries(r.properties ?? {})) visit(`${t} output ${k}`, p, false);
  }
  for (const [t, d] of Object.entries(schema.types)) for (const [k, p] of Object.entries((d.properties as Record<string, Json>) ?? {})) visit(`${t}.${k}`, p, false);
  return out;
}

describe("the component package", () => {
  it("npm pack holds PulumiPlugin.yaml (runtime nodejs), the entry that package.json exports, and what the components read at run time", () => {
    expect(pkg.private).toBeUndefined();
    const entry = ((pkg.exports as Json)["."] as Json).default as string;
    expect(pkg.main).toBe(entry.replace(/^\.\//, ""));
    expect(pkg.types).toBe(pkg.main);
    for (const f of ["package.json", "PulumiPlugin.yaml", "tsconfig.json", entry.replace(/^\.\//, ""), "control-plane/handler.ts", "host/agent/main.ts", "protocol/labels.ts"]) expect(packed, f).toContain(f);
    expect(parse(readFileSync(join(REPO, "PulumiPlugin.yaml"), "utf8"))).toEqual({ runtime: "nodejs" });
    expect(packed.filter((f) => f.startsWith("test/") || f.endsWith(".test.ts") || f.startsWith("stacks/"))).toEqual([]);
  });

  it("Pulumi's analyzer finds exactly the public components, as <package>:index:<Class>, each described", () => {
    expect(Object.keys(schema.resources).sort()).toEqual(COMPONENTS.map((c) => `runner-fleet:index:${c}`).sort());
    for (const r of Object.values(schema.resources)) expect((r as Json).description).toMatch(/\w/);
    expect(schema.resources["runner-fleet:index:RunnerFleet"]!.requiredInputs).toEqual(["github"]);
  });

  it("every arg and output is typed (no Any) and described", () => {
    const all = properties();
    expect(all.length).toBeGreaterThan(150);
    for (const [at, p] of all) {
      expect(p.type !== undefined || p.$ref !== undefined, at).toBe(true);
      expect(String(p.$ref ?? ""), at).not.toContain("pulumi.json#/Any");
      if (!p.described) expect(p.description, at).toMatch(/\w/);
    }
    for (const [name, t] of Object.entries(schema.types)) if (Array.isArray(t.enum)) expect((t.enum as unknown[]).length, name).toBeGreaterThan(0);
  });

  it("RunnerFleet documents every stack-file key with the schema's default", () => {
    const fleet = schema.resources["runner-fleet:index:RunnerFleet"]!.inputProperties!;
    const resolve = (path: string): Json | undefined => {
      let props: Record<string, Json> | undefined = fleet;
      let spec: Json | undefined;
      for (const seg of path.split(".")) {
        spec = props?.[seg.replace(/\[\]$/, "")];
        if (!spec) return undefined;
        const ref = ((spec.items as Json | undefined)?.$ref ?? spec.$ref) as string | undefined;
        props = ref ? (schema.types[ref.replace("#/types/", "")]?.properties as Record<string, Json>) : undefined;
      }
      return spec;
    };
    const keys = allKeys(configReference()).filter((k) => !["team", "platform"].includes(k.path));
    expect(keys.length).toBeGreaterThan(100);
    for (const k of keys) {
      const spec = resolve(k.path);
      expect(spec, k.path).toBeDefined();
      expect(spec!.description, k.path).toContain(k.description);
      if (k.defaults.length > 0) expect(spec!.description, k.path).toContain(defaultSentence(k));
    }
  });

  it("the YAML example fits the analyzed schema, and the check refuses what does not", () => {
    const program = parse(readFileSync(join(REPO, "examples/yaml/Pulumi.yaml"), "utf8")) as Json;
    expect(checkYamlProgram(schema, program)).toEqual([]);
    const broken = structuredClone(program) as { resources: Record<string, { properties: Json }> };
    const pool = (broken.resources.pools!.properties.hostPools as Json[])[0]!;
    pool.arch = "sparc";
    pool.runnersPerHost = "4";
    pool.labelz = ["x"];
    (broken.resources.groups!.properties.runnerGroups as Json[])[0]!.name = "${groupName}";
    delete broken.resources.groups!.properties.github;
    expect(checkYamlProgram(schema, broken as unknown as Json)).toEqual([
      "resources.groups.properties.runnerGroups[0].name: a plain input takes a literal, not ${groupName}",
      "resources.groups.properties.github: required",
      'resources.pools.properties.hostPools[0].arch: "sparc" is not one of "amd64", "arm64"',
      "resources.pools.properties.hostPools[0].runnersPerHost: expected a number, got \"4\"",
      "resources.pools.properties.hostPools[0].labelz: no such property",
    ]);
  });
});
