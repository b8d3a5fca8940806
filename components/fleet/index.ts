/**
 * runner-fleet as a Pulumi component package: what `pulumi package add` and `import … from
 * "runner-fleet"` see. Components only (a source-based plugin package hosts nothing else), each
 * with args of the shapes Pulumi's analyzer turns into a schema for every language.
 */
export { RunnerFleet, type RunnerFleetArgs } from "./RunnerFleet";
export { Ec2RunnerPools, type Ec2RunnerPoolsArgs } from "./Ec2RunnerPools";
export { ArcRunnerSets, type ArcRunnerSetsArgs } from "./ArcRunnerSets";
export { GithubRunnerGroups, type GithubRunnerGroupsArgs } from "./GithubRunnerGroups";
export * from "./args";
export type { CapacityOutput, HostPoolInfo, RunnerSetOutput } from "./outputs";
