import { defineConfig } from "vitest/config";

// @pulumi/pulumi keeps its state on globals: every test file needs its own process (forks + isolate).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    isolate: true,
    maxWorkers: 2,
    // @actions/workflow-parser imports its JSON schema without an import attribute, which Node's
    // loader refuses; inlined, vite transforms it instead (tools bundle it with esbuild).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});
