import type { GitHubStandIn } from "../standins/github-rest";
import { ScaleSetError, type JitRunnerConfig, type RunnerReference, type RunnerScaleSet, type ScaleSetAdmin } from "../../control-plane/scaleset/api";

/**
 * The scale-set admin API as the broker and reaper use it, until the scale-set stand-in (branch
 * cp-scaleset) lands: it refuses what GitHub refuses (names over 64 characters, a name already
 * taken in the scale set → 409, unknown scale set or runner → 404) and logs every change so tests
 * can prove that a refusal changed nothing.
 */
export class AdminDouble implements ScaleSetAdmin {
  readonly runners = new Map<number, RunnerReference>();
  readonly changes: string[] = [];
  private nextId = 1000;
  /** Set to make the next call fail like a library error that quotes the Authorization header. */
  failNextWith?: Error;

  constructor(
    readonly sets: RunnerScaleSet[],
    readonly token: string,
    /** When given, runners also appear in (and leave) the GitHub REST stand-in's list for `scope`, as on GitHub. */
    private readonly github?: { standIn: GitHubStandIn; scope: string },
  ) {}

  private take(): void {
    const e = this.failNextWith;
    if (e) {
      this.failNextWith = undefined;
      throw e;
    }
  }

  async getRunnerGroupByName(name: string) {
    if (name !== "default") throw new ScaleSetError("not-found", 404, `runner group ${name} not found`);
    return { id: 1, name, isDefaultGroup: true };
  }
  async getRunnerScaleSet(runnerGroupId: number, name: string) {
    return this.sets.find((s) => s.runnerGroupId === runnerGroupId && s.name === name);
  }
  async getRunnerScaleSetById(id: number) {
    return this.sets.find((s) => s.id === id);
  }
  async createRunnerScaleSet(): Promise<RunnerScaleSet> {
    throw new Error("not used by the broker");
  }
  async updateRunnerScaleSet(): Promise<RunnerScaleSet> {
    throw new Error("not used by the broker");
  }
  async deleteRunnerScaleSet(): Promise<void> {
    throw new Error("not used by the broker");
  }
  async generateJitRunnerConfig(scaleSetId: number, setting: { name: string; workFolder: string }): Promise<JitRunnerConfig> {
    this.take();
    if (!this.sets.some((s) => s.id === scaleSetId)) throw new ScaleSetError("not-found", 404, `scale set ${scaleSetId} not found`);
    if (setting.name.length === 0 || setting.name.length > 64) throw new ScaleSetError("bad-request", 400, "runner name must be 1 to 64 characters");
    if (setting.workFolder !== "_work") throw new ScaleSetError("bad-request", 400, "unexpected work folder");
    if ([...this.runners.values()].some((r) => r.name === setting.name)) throw new ScaleSetError("bad-request", 409, `runner ${setting.name} already exists`);
    const id = this.github ? this.github.standIn.addRunner(this.github.scope, setting.name, { status: "offline" }).id : this.nextId++;
    const runner = { id, name: setting.name, runnerScaleSetId: scaleSetId };
    this.runners.set(runner.id, runner);
    this.changes.push(`add ${runner.id} ${runner.name}`);
    const jit = Buffer.from(JSON.stringify({ ".runner": runner.name, ".credentials": `jit-secret-for-${runner.id}` })).toString("base64");
    return { runner, encodedJITConfig: jit };
  }
  async getRunner(runnerId: number) {
    return this.runners.get(runnerId);
  }
  async getRunnerByName(name: string) {
    return [...this.runners.values()].find((r) => r.name === name);
  }
  async removeRunner(runnerId: number): Promise<void> {
    this.take();
    if (!this.runners.has(runnerId)) throw new ScaleSetError("not-found", 404, `runner ${runnerId} not found`);
    if (this.github) {
      const list = this.github.standIn.runners.get(this.github.scope) ?? [];
      const r = list.find((x) => x.id === runnerId);
      if (r?.busy) throw new ScaleSetError("bad-request", 400, `runner ${r.name} is running a job`);
      if (r) list.splice(list.indexOf(r), 1);
    }
    this.runners.delete(runnerId);
    this.changes.push(`remove ${runnerId}`);
  }
}
