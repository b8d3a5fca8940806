import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/env";

/**
 * The rule: a `@pulumi/<provider>` package tells the engine, in its package.json `pulumi` block,
 * which provider plugin and version to download at `pulumi up`. That version must be spelled out,
 * equal the package's own version, and lie on a major line the provider actually releases plugins
 * for. The table is the providers' release lines as published in their GitHub releases (checked
 * 2026-11-23 against npm's version lists: @pulumi/command's `latest` tag points to 4.5.0, an
 * accidental publish with the 0.5-era SDK and no `pulumi.version`; the command provider's releases
 * end at 1.x). A new major is added here on purpose, after checking its plugin release exists.
 */
const RELEASED_PLUGIN_MAJORS: Record<string, number[]> = {
  aws: [7],
  command: [0, 1],
  github: [6],
  kubernetes: [4],
};

interface PulumiBlock {
  resource?: boolean;
  name?: string;
  version?: string;
}

function manifest(pkg: string): { version: string; pulumi?: PulumiBlock } {
  return JSON.parse(readFileSync(join(REPO, "node_modules", pkg, "package.json"), "utf8")) as { version: string; pulumi?: PulumiBlock };
}

/** Whether a package.json names a plugin version the provider released; the reason when not. */
export function pluginProblem(pkg: string, m: { version: string; pulumi?: PulumiBlock }): string | undefined {
  const provider = pkg.replace(/^@pulumi\//, "");
  if (!m.pulumi?.resource) return `${pkg} is not a provider package`;
  if (m.pulumi.name !== provider) return `${pkg} asks for plugin "${m.pulumi.name}"`;
  if (!m.pulumi.version) return `${pkg}@${m.version} names no plugin version: the engine would guess one from "${m.version}"`;
  if (m.pulumi.version !== m.version) return `${pkg}@${m.version} asks for plugin ${m.pulumi.version}`;
  const major = Number(/^(\d+)\./.exec(m.version)?.[1]);
  const lines = RELEASED_PLUGIN_MAJORS[provider];
  if (!lines) return `${pkg}: no recorded release lines; check the provider's releases and add them`;
  if (!lines.includes(major)) return `${pkg}@${m.version}: the ${provider} provider releases no ${major}.x plugin (lines: ${lines.join(", ")})`;
  return undefined;
}

const pkgJson = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
const providers = Object.keys(pkgJson.dependencies).filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi");

describe("Pulumi provider packages are on plugin lines their providers release", () => {
  it("covers every provider package we depend on", () => {
    expect(providers).toEqual(expect.arrayContaining(["@pulumi/aws", "@pulumi/command", "@pulumi/github", "@pulumi/kubernetes"]));
  });

  for (const pkg of providers) {
    it(pkg, () => {
      expect(pluginProblem(pkg, manifest(pkg))).toBeUndefined();
      // A caret range on a major npm mis-tags (command's 4.x) could jump lines: pin providers exactly or within their line.
      const spec = pkgJson.dependencies[pkg]!;
      const major = Number(/(\d+)\./.exec(spec)?.[1]);
      expect(RELEASED_PLUGIN_MAJORS[pkg.replace("@pulumi/", "")], `${pkg} ${spec}`).toContain(major);
    });
  }

  it("refuses the accidental @pulumi/command 4.5.0 (its package.json as published) and a plugin-less or mismatched version", () => {
    expect(pluginProblem("@pulumi/command", { version: "v4.5.0", pulumi: { resource: true, name: "command" } })).toMatch(/names no plugin version/);
    expect(pluginProblem("@pulumi/command", { version: "4.5.0", pulumi: { resource: true, name: "command", version: "4.5.0" } })).toMatch(/releases no 4.x plugin/);
    expect(pluginProblem("@pulumi/aws", { version: "7.48.0", pulumi: { resource: true, name: "aws", version: "7.47.0" } })).toMatch(/asks for plugin 7.47.0/);
    expect(pluginProblem("@pulumi/command", { version: "1.2.1", pulumi: { resource: true, name: "command", version: "1.2.1" } })).toBeUndefined();
  });
});
