import * as pulumi from "@pulumi/pulumi";
import { ContainerMode, RunnerFleet } from "runner-fleet";

// A program of its own that uses the runner-fleet package: a kind cluster with ARC and one runner
// set for an organisation, the credential from this program's secret config.
const config = new pulumi.Config();

const fleet = new RunnerFleet("fleet", {
  github: { url: "https://github.com/acme", auth: "token" },
  cluster: { type: "kind", name: "ci-example", workers: 1 },
  runnerSets: [
    { name: "builders", instances: 2, labels: ["linux", "builders"], containerMode: ContainerMode.kubernetes, storage: { size: "20Gi" } },
  ],
  githubToken: config.requireSecret("githubToken"),
});

export const runnerSets = fleet.runnerSets;
export const kubeconfig = fleet.kubeconfig;
