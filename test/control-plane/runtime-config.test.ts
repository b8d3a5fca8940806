import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfig } from "../../control-plane/runtime/config";
import { CONTROL_PLANE_CONFIG_FILE } from "../../protocol/control-plane-config";
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
const text = (c: unknown) => JSON.stringify(c);

describe("the control plane's config file", () => {
  it("loads protocol/control-plane-config.ts's shape from beside the bundle", () => {
    const dir = mkdtempSync(join(tmpdir(), "cp-config-"));
    writeFileSync(join(dir, CONTROL_PLANE_CONFIG_FILE), text(good));
    expect(loadConfig(dir)).toEqual(good);
    expect(parseConfig(text(good))).toEqual(good);
  });
  it("refuses a missing, unparsable or wrong config by key, naming the file", () => {
    const empty = mkdtempSync(join(tmpdir(), "cp-config-"));
    expect(() => loadConfig(empty)).toThrow(new RegExp(`${CONTROL_PLANE_CONFIG_FILE} cannot be read \\(ENOENT\\)`));
    expect(() => parseConfig("{", "/var/task/x.json")).toThrow(/^\/var\/task\/x\.json is not JSON$/);
    expect(() => parseConfig(text({ ...good, pools: [pool("a"), pool("a")] }))).toThrow(/pools\.1\.name: duplicate/);
    expect(() => parseConfig(text({ ...good, pools: [pool("a", { hostRoleArn: "arn:aws:iam::1:user/x" })] }))).toThrow(/pools\.0\.hostRoleArn/);
    expect(() => parseConfig(text({ ...good, pools: [pool("a", { minHosts: 3, maxHosts: 1 })] }))).toThrow(/pools\.0\.maxHosts/);
    expect(() => parseConfig(text({ ...good, secret: "x" }))).toThrow();
  });
});
