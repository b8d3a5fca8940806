import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "../helpers/env";

interface Decl {
  type?: string;
  items?: unknown;
  default?: unknown;
  secret?: boolean;
  description?: string;
}
const project = parse(readFileSync(join(REPO, "Pulumi.yaml"), "utf8")) as {
  name: string;
  description: string;
  runtime: { name: string; options?: Record<string, unknown> };
  main: string;
  config: Record<string, Decl>;
  template: { description: string; config: Record<string, Decl> };
};

describe("Pulumi.yaml", () => {
  it("is a nodejs TypeScript project named as the config namespace", () => {
    expect(project.name).toBe("runner-fleet");
    expect(project.runtime.name).toBe("nodejs");
    expect(project.main).toBe("index.ts");
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    // Without them Pulumi falls back to its vendored TypeScript 3.8.
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["typescript", "ts-node"]));
  });

  it("declares config only in the types Pulumi's project schema allows, each with a description and default", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      expect(["string", "integer", "boolean", "array"], key).toContain(decl.type);
      if (decl.type === "array") expect(decl.items, key).toBeDefined();
      expect(decl.description, key).toBeTruthy();
      // A declaration without a default would make the key mandatory for every stack.
      expect(decl, key).toHaveProperty("default");
    }
  });

  it("has a template that asks for the credential as a secret", () => {
    expect(project.template.description).toBeTruthy();
    expect(project.template.config["runner-fleet:githubToken"]?.secret).toBe(true);
  });

  it("describes what the program provisions today, with nothing left 'to come'", () => {
    for (const text of [project.description, project.template.description]) {
      expect(text).not.toMatch(/to come|coming soon|planned/i);
      for (const what of ["kind", "EKS", "EC2"]) expect(text).toContain(what);
    }
  });

  it("names the schema file that types the structured keys, and that file exists", () => {
    const raw = readFileSync(join(REPO, "Pulumi.yaml"), "utf8");
    const named = [...raw.matchAll(/\b((?:config|stacks|components)\/[\w/-]+\.ts)\b/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(existsSync(join(REPO, file)), file).toBe(true);
  });
});
