import { BROKER_HTTP } from "../../control-plane/runtime/scale-set-parts";
import type { JitRunnerConfig, RunnerReference, RunnerScaleSet, ScaleSetAdmin } from "../../control-plane/scaleset/api";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import type { HttpScaleSetClient } from "../../control-plane/scaleset/client";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";

/**
 * The GitHub scale-set side for broker tests: the real client (branch cp-scaleset) against its
 * strict stand-in, with the broker's HTTP settings. `changes` are the service calls that changed
 * something (a runner made or removed), so a test can prove a refusal changed nothing;
 * `failNextWith` makes the next admin call throw as a library error would.
 */
export class ScaleSetSide implements ScaleSetAdmin {
  failNextWith?: Error;
  private constructor(
    readonly standin: ScaleSetStandin,
    readonly client: HttpScaleSetClient,
    readonly sets: Record<string, RunnerScaleSet>,
    /** The organisation the sets were made in: the only scope this service serves. */
    readonly org: string,
  ) {}

  static async start(token: string, org: string, setNames: string[]): Promise<ScaleSetSide> {
    const standin = await startScaleSetStandin({ scopes: [org], githubTokens: [token], pollMs: 100 });
    const client = createScaleSetClient(standin.orgUrl(org), `${standin.url}/api/v3`, { kind: "token", token }, { http: { ...BROKER_HTTP, sleep: async () => {} } });
    const group = await client.getRunnerGroupByName("default");
    const sets: Record<string, RunnerScaleSet> = {};
    for (const name of setNames) sets[name] = await client.createRunnerScaleSet({ name, runnerGroupId: group.id, labels: [{ type: "System", name }] });
    return new ScaleSetSide(standin, client, sets, org);
  }

  get githubUrl(): string {
    return this.standin.orgUrl(this.org);
  }
  get runners(): Map<number, RunnerReference> {
    return new Map(this.standin.runners().map((r) => [r.id, { id: r.id, name: r.name, runnerScaleSetId: r.scaleSetId }]));
  }
  get changes(): string[] {
    return this.standin.requests.filter((r) => r.status < 300 && ((r.method === "POST" && r.path.endsWith("/generatejitconfig")) || r.method === "DELETE")).map((r) => `${r.method} ${r.path}`);
  }
  close(): Promise<void> {
    return this.standin.close();
  }

  private take(): void {
    const e = this.failNextWith;
    this.failNextWith = undefined;
    if (e) throw e;
  }
  getRunnerGroupByName(name: string) {
    return this.client.getRunnerGroupByName(name);
  }
  getRunnerScaleSet(runnerGroupId: number, name: string) {
    return this.client.getRunnerScaleSet(runnerGroupId, name);
  }
  getRunnerScaleSetById(id: number) {
    return this.client.getRunnerScaleSetById(id);
  }
  createRunnerScaleSet(set: Omit<RunnerScaleSet, "id" | "statistics">) {
    return this.client.createRunnerScaleSet(set);
  }
  updateRunnerScaleSet(id: number, set: Omit<RunnerScaleSet, "id" | "statistics">) {
    return this.client.updateRunnerScaleSet(id, set);
  }
  deleteRunnerScaleSet(id: number) {
    return this.client.deleteRunnerScaleSet(id);
  }
  async generateJitRunnerConfig(scaleSetId: number, setting: { name: string; workFolder: string }): Promise<JitRunnerConfig> {
    this.take();
    return this.client.generateJitRunnerConfig(scaleSetId, setting);
  }
  getRunner(runnerId: number) {
    return this.client.getRunner(runnerId);
  }
  getRunnerByName(name: string) {
    return this.client.getRunnerByName(name);
  }
  async removeRunner(runnerId: number): Promise<void> {
    this.take();
    return this.client.removeRunner(runnerId);
  }
}
