import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configErrorLines, baseConfig, FAKE_PEM, TOKEN } from "../helpers/config";
import { REPO } from "../helpers/env";

type Cfg = Record<string, unknown>;

const errorLines = configErrorLines;

interface Operation {
  description?: string;
  "x-github"?: { enabledForGitHubApps?: boolean };
}
/** GitHub's own description of its REST API, GitHub Enterprise Cloud flavour (it has the enterprise routes). */
const ghec = JSON.parse(readFileSync(join(REPO, "node_modules/@octokit/openapi/generated/ghec.json"), "utf8")) as { paths: Record<string, Record<string, Operation>> };
const op = (path: string, method = "post"): Operation => {
  const o = ghec.paths[path]?.[method];
  if (!o) throw new Error(`${method} ${path} is not in @octokit/openapi's ghec.json`);
  return o;
};

const APP = { secrets: { githubAppPrivateKey: FAKE_PEM } };
const app = (url: string): Cfg => ({ url, auth: "app", appId: "123", installationId: "456" });

describe("enterprise runners with a GitHub App (GitHub's OpenAPI description)", () => {
  it("GitHub refuses Apps on every enterprise runner endpoint, and allows them for organisations and repositories", () => {
    const runnerPaths = Object.keys(ghec.paths).filter((p) => p.startsWith("/enterprises/{enterprise}/actions/runner"));
    expect(runnerPaths.length).toBeGreaterThan(10);
    for (const p of runnerPaths) for (const o of Object.values(ghec.paths[p]!)) expect(o["x-github"]?.enabledForGitHubApps, p).toBe(false);
    for (const p of ["/orgs/{org}/actions/runners/generate-jitconfig", "/repos/{owner}/{repo}/actions/runners/generate-jitconfig"]) expect(op(p)["x-github"]?.enabledForGitHubApps, p).toBe(true);
    expect(op("/enterprises/{enterprise}/actions/runners/registration-token").description).toContain("manage_runners:enterprise");
  });

  it("refuses auth: app with an enterprise URL by key, naming the scope a token needs", () => {
    const c = baseConfig();
    c.github = app("https://github.com/enterprises/acme");
    c.runnerSets = [];
    const lines = errorLines(c, APP);
    expect(lines).toContainEqual(expect.stringMatching(/^Pulumi\.test\.yaml: runner-fleet:github\.auth: GitHub refuses GitHub App authentication on enterprise runner endpoints.*manage_runners:enterprise/));
  });

  it("refuses a pool or set whose own githubUrl is an enterprise while the credential is an App", () => {
    const c = baseConfig();
    c.github = app("https://github.com/acme");
    c.runnerSets = [{ name: "widgets", instances: 1, githubUrl: "https://github.com/enterprises/acme" }];
    expect(errorLines(c, APP)).toContainEqual(expect.stringMatching(/runner-fleet:runnerSets\[0\]\.githubUrl: GitHub refuses GitHub App authentication/));
  });

  it("accepts an enterprise with a token, and an organisation with an App", () => {
    const e = baseConfig();
    e.github = { url: "https://github.com/enterprises/acme", auth: "token" };
    e.runnerSets = [];
    expect(errorLines(e, { secrets: TOKEN })).toEqual([]);
    const o = baseConfig();
    o.github = app("https://github.com/acme");
    expect(errorLines(o, APP)).toEqual([]);
  });
});
