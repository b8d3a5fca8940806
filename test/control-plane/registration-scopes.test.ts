import { afterEach, describe, expect, it } from "vitest";
import type { ControlPlaneConfig, ControlPlanePool } from "../../protocol/control-plane-config";
import { handleRegistration, registrationInput } from "../../control-plane/registration/handler";
import { createScaleSetClient } from "../../control-plane/scaleset/create";
import { startScaleSetStandin, type ScaleSetStandin } from "../standins/scaleset-server";
import { pool } from "./fleet";

/**
 * Pools of one fleet in different scopes (an organisation, another organisation's repository),
 * registered by the real handler against the stand-in that keeps each scope apart: each set is made
 * in its own pool's scope, jobs reach it only from repositories that scope covers, and a pool
 * naming a scope the service does not know fails the deploy naming the pool.
 */

const PAT = "ghp_registrationscopesscopes012345";
let standin: ScaleSetStandin | undefined;

afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

function deps(st: ScaleSetStandin, pools: ControlPlanePool[]) {
  const config: ControlPlaneConfig = { v: 1, fleet: "t", region: "eu-west-1", credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x", bucket: "b", githubApiUrl: `${st.url}/api/v3`, pools, jobWaitAlarmSeconds: 300 };
  // One client per pool's config URL, as the deployed function makes them (scale-set-parts.ts).
  return { config, adminFor: (ref: { githubUrl: string }) => createScaleSetClient(ref.githubUrl, `${st.url}/api/v3`, { kind: "token", token: PAT }, { http: { sleep: async () => {} } }) };
}
const crud = (pools: ControlPlanePool[]) => ({ ...registrationInput(pools), tf: { action: "create" as const, prev_input: null } });

describe("registration across scopes", () => {
  it("makes each pool's set in its own scope; jobs reach a set only from the repositories its scope covers", async () => {
    standin = await startScaleSetStandin({ scopes: ["acme", "globex/api"], githubTokens: [PAT] });
    const pools = [pool("a", { githubUrl: standin.orgUrl("acme"), labels: ["gpu"] }), pool("b", { githubUrl: standin.configUrl("globex/api"), labels: ["gpu"] })];
    expect(await handleRegistration(crud(pools), deps(standin, pools))).toMatchObject({ created: ["a", "b"] });
    const a = standin.scaleSets("acme");
    const b = standin.scaleSets("globex/api");
    expect(a.map((x) => x.name)).toEqual(["a-set"]);
    expect(b.map((x) => x.name)).toEqual(["b-set"]);
    for (let i = 0; i < 5; i++) {
      expect(standin.submitJob({ runsOn: "gpu", repository: "acme/web" }).scaleSetId).toBe(a[0]!.id);
      expect(standin.submitJob({ runsOn: "gpu", repository: "globex/api" }).scaleSetId).toBe(b[0]!.id);
    }
    // b's name from acme's repositories reaches nothing: the set is in another scope.
    expect(standin.submitJob({ runsOn: "b-set", repository: "acme/web" })).toMatchObject({ state: "queued", scaleSetId: undefined });
  });

  it("a pool naming a scope the service does not know fails the deploy, naming the pool and GitHub's 404; the other pool is done", async () => {
    standin = await startScaleSetStandin({ scopes: ["acme"], githubTokens: [PAT] });
    const pools = [pool("a", { githubUrl: standin.orgUrl("acme") }), pool("lost", { githubUrl: standin.orgUrl("acme-typo") })];
    const p = handleRegistration(crud(pools), deps(standin, pools));
    await expect(p).rejects.toThrow(/pool lost \(scale set "lost-set" in https:\/\/github\.com\/acme-typo.*404/s);
    expect(standin.scaleSets("acme").map((x) => x.name)).toEqual(["a-set"]);
  });
});
