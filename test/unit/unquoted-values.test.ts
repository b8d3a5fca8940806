import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { plainScalarProblem } from "../../config/plain-scalar";
import { configErrorLines, baseConfig } from "../helpers/config";

/**
 * The lines of ARC's chart that write our values unquoted, verbatim from actions/actions-runner-controller
 * tag gha-runner-scale-set-0.14.2 (commit 9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8),
 * charts/gha-runner-scale-set/templates/autoscalingrunnerset.yaml lines 70–76. The chart's
 * templates are not in ../shared/upstream (only its values and CRDs), so they are recorded here.
 */
const TEMPLATE = `spec:
  githubConfigUrl: {{ required ".Values.githubConfigUrl is required" (trimSuffix "/" .Values.githubConfigUrl) }}
  githubConfigSecret: {{ include "gha-runner-scale-set.githubsecret" . }}
  {{- with .Values.runnerGroup }}
  runnerGroup: {{ . }}
  {{- end }}`;

/** Helm's text substitution for these lines (the with-blocks emit the value as-is), then YAML as the API server reads it. */
function renderSpec(v: { githubConfigUrl: string; runnerGroup: string }): Record<string, unknown> {
  const text = TEMPLATE.replace(/\{\{ required [^}]+\}\}/, v.githubConfigUrl.replace(/\/$/, ""))
    .replace('{{ include "gha-runner-scale-set.githubsecret" . }}', "runner-fleet-github")
    .replace(/\n\s*\{\{- with \.Values\.runnerGroup \}\}/, "")
    .replace("{{ . }}", v.runnerGroup)
    .replace(/\n\s*\{\{- end \}\}/, "");
  return (parse(text) as { spec: Record<string, unknown> }).spec;
}

const errorLines = configErrorLines;

const withGroup = (group: string): Record<string, unknown> => {
  const c = baseConfig();
  c.github = { url: "https://github.com/acme", auth: "token" };
  c.runnerGroups = [{ name: group, visibility: "all" }];
  c.runnerSets = [{ name: "widgets", instances: 1, runnerGroup: group }];
  return c;
};

describe("values ARC's chart writes unquoted", () => {
  it("the chart really writes them unquoted: '#' and a newline change what reaches the AutoscalingRunnerSet", () => {
    expect(renderSpec({ githubConfigUrl: "https://github.com/acme", runnerGroup: "builders #2" }).runnerGroup).toBe("builders");
    const injected = renderSpec({ githubConfigUrl: "https://github.com/acme", runnerGroup: "builders\n  minRunners: 50" });
    expect(injected.runnerGroup).toBe("builders");
    expect(injected.minRunners).toBe(50);
    expect(renderSpec({ githubConfigUrl: "https://github.com/acme", runnerGroup: "Team Builders-2" }).runnerGroup).toBe("Team Builders-2");
  });

  it("a value passes our check exactly when it reaches the AutoscalingRunnerSet unchanged", () => {
    for (const g of ["builders", "Team Builders-2", "kernel_ci.v2", "builders #2", "a: b", "[x]", "*ref", "yes", "123", "builders\nminRunners: 5", "'quoted'"]) {
      const intact = (() => {
        try {
          return renderSpec({ githubConfigUrl: "https://github.com/acme", runnerGroup: g }).runnerGroup === g;
        } catch {
          return false;
        }
      })();
      expect(plainScalarProblem(g) === undefined, JSON.stringify(g)).toBe(intact);
    }
    // Stricter than YAML on purpose: a tab survives unquoted, but no group name needs one.
    expect(plainScalarProblem("tab\there")).toMatch(/control character/);
  });

  it("refuses such runner group names by key, wherever they are named", () => {
    expect(errorLines(withGroup("builders #2"))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Pulumi\.test\.yaml: runner-fleet:runnerGroups\[0\]\.name: would reach GitHub as "builders"/),
        expect.stringMatching(/^Pulumi\.test\.yaml: runner-fleet:runnerSets\[0\]\.runnerGroup: would reach GitHub as "builders"/),
      ]),
    );
    expect(errorLines(withGroup("builders\nminRunners: 50"))).toContainEqual(expect.stringMatching(/runnerSets\[0\]\.runnerGroup: must not contain a newline/));
    expect(errorLines(withGroup("Team Builders-2"))).toEqual([]);
  });

  it("refuses a GitHub URL that would not survive unquoted", () => {
    const c = baseConfig();
    c.github = { url: "https://github.com/acme #x", auth: "token" };
    expect(errorLines(c)).toContainEqual(expect.stringMatching(/runner-fleet:github\.url: would reach GitHub as "https:\/\/github.com\/acme"/));
  });
});
