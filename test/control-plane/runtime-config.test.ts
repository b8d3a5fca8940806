import { describe, expect, it } from "vitest";
import { loadConfig } from "../../control-plane/runtime/config";
import { pool } from "./fleet";

const good = {
  v: 1,
  fleet: "prod",
  region: "eu-west-1",
  credentialSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh",
  bucket: "fleet-bucket",
  githubApiUrl: "https://api.github.com",
  pools: [pool("alpha")],
  jobWaitAlarmSeconds: 300,
};
const env = (c: unknown) => ({ RUNNER_FLEET_CONFIG: JSON.stringify(c) });

describe("RUNNER_FLEET_CONFIG", () => {
  it("loads protocol/control-plane-config.ts's shape", () => {
    expect(loadConfig(env(good))).toEqual(good);
  });
  it("refuses a missing, unparsable or wrong config by key", () => {
    expect(() => loadConfig({})).toThrow(/not set/);
    expect(() => loadConfig({ RUNNER_FLEET_CONFIG: "{" })).toThrow(/not JSON/);
    expect(() => loadConfig(env({ ...good, pools: [pool("a"), pool("a")] }))).toThrow(/pools\.1\.name: duplicate/);
    expect(() => loadConfig(env({ ...good, pools: [pool("a", { hostRoleArn: "arn:aws:iam::1:user/x" })] }))).toThrow(/pools\.0\.hostRoleArn/);
    expect(() => loadConfig(env({ ...good, pools: [pool("a", { minHosts: 3, maxHosts: 1 })] }))).toThrow(/pools\.0\.maxHosts/);
    expect(() => loadConfig(env({ ...good, secret: "x" }))).toThrow();
  });
});
