import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../../policy/policies";
import { renderStackFile } from "../../tools/render-stack-file";
import { REPO } from "../helpers/env";
import { stackViolations } from "../helpers/policy";

describe("the real stacks pass every policy", () => {
  it.each(["dev", "prod"])("%s", async (stack) => {
    const r = await renderStackFile(REPO, stack);
    expect(r.resources.length).toBeGreaterThan(10);
    expect(stackViolations(r, policies)).toEqual([]);
  });

  it("the team example on prod", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pol-"));
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml"]) copyFileSync(join(REPO, f), join(dir, f));
    copyFileSync(join(REPO, "stacks/Pulumi.team-example.yaml"), join(dir, "Pulumi.team-example.yaml"));
    expect(stackViolations(await renderStackFile(dir, "team-example"), policies)).toEqual([]);
  });
});
