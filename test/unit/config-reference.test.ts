import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_DESCRIPTIONS } from "../../config/descriptions";
import { allKeys, configReference } from "../../config/reference";
import { GENERATED } from "../../tools/docs-config";
import { REPO } from "../helpers/env";

describe("the configuration reference", () => {
  it("describes every key of the schema, and nothing the schema lacks", () => {
    const keys = allKeys(configReference());
    expect(keys.filter((k) => k.description === "").map((k) => k.path)).toEqual([]);
    const paths = new Set(keys.map((k) => k.path));
    expect(Object.keys(CONFIG_DESCRIPTIONS).filter((p) => !paths.has(p))).toEqual([]);
  });

  it("gives each key its type, and its default as the schema has it", () => {
    const byPath = new Map(allKeys(configReference()).map((k) => [k.path, k]));
    expect(byPath.get("hostPools[].capacity.max")).toMatchObject({ type: "integer", defaults: [{ value: 1 }] });
    expect(byPath.get("cluster.storageClass")!.defaults).toEqual([{ variant: "kind", value: "standard" }, { variant: "eks", value: "gp3" }]);
    expect(byPath.get("runnerSets[].containerMode")!.enum).toEqual(["none", "dind", "kubernetes", "kubernetes-novolume"]);
    expect(byPath.get("github.auth")!.required).toBe(true);
  });

  it.each(Object.entries(GENERATED))("%s is current with the schema (else: npm run docs:config and commit)", (file, render) => {
    expect(readFileSync(join(REPO, file), "utf8") === render()).toBe(true);
  });
});
