import { describe, expect, it } from "vitest";
import { renderStack } from "../../tools/render-lib";

const PROJECT = "runner-fleet-example-ts";

// examples/typescript is a program of its own that imports the package by name (tsc checks its
// types with the rest of the repository); here it runs under Pulumi's mock runtime.
describe("the TypeScript consumer example", () => {
  it("builds a fleet through the package: kind, ARC, the runner set's two scale sets, the credential in a Secret", async () => {
    const token = "ghp_exampletoken0000000000000000000000";
    const r = await renderStack({
      project: PROJECT,
      stack: "dev",
      config: { [`${PROJECT}:githubToken`]: token },
      secretKeys: [`${PROJECT}:githubToken`],
      program: async () => ({ ...(await import("../../examples/typescript/index")) }),
    });
    const tree = r.resources.map((x) => `${x.type} ${x.name} <- ${x.parent}`);
    expect(tree).toContain("runner-fleet:index:RunnerFleet fleet <- null");
    expect(tree).toContain("runner-fleet:kind:KindCluster ci-example <- fleet");
    expect(tree).toContain("runner-fleet:arc:RunnerScaleSet builders <- fleet");
    expect(r.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.parent === "builders").map((x) => x.name)).toEqual(["builders-1", "builders-2"]);
    expect(r.outputs.runnerSets).toMatchObject({ builders: { instances: 2, scaleSets: ["builders-1", "builders-2"], labels: ["builders", "linux"] } });
    const secret = r.resources.find((x) => x.type === "kubernetes:core/v1:Secret");
    expect(JSON.stringify(secret?.inputs)).toContain(token);
  });

  it("refuses bad args by key before registering anything", async () => {
    const { RunnerFleet } = await import("runner-fleet");
    const run = renderStack({
      project: PROJECT,
      stack: "dev",
      config: {},
      secretKeys: [],
      program: async () => {
        new RunnerFleet("bad", { github: { url: "https://github.com/acme", auth: "token" }, runnerSets: [{ name: "Bad_Name", maxRunners: -1 }] });
        return {};
      },
    });
    await expect(run).rejects.toThrow(/RunnerFleet "bad": runner-fleet:runnerSets\[0\]\.name: must be a DNS-1123 label[\s\S]*runnerSets\[0\]\.maxRunners[\s\S]*runner-fleet:githubToken: required when github.auth is token/);
  });
});
