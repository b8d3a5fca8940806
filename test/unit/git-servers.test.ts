import { describe, expect, it } from "vitest";
import { agentConfig } from "../../components/aws/host-user-data";
import { DEFAULT_GIT_SERVERS } from "../../protocol/agent-config";
import { hostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { KeeperRefusal, parseRequest } from "../../host/agent/git-keeper";
import { baseConfig, configErrorLines, sourceFrom, TOKEN, type SourceOptions } from "../helpers/config";
import { WIRING } from "../helpers/host-pools";

type Obj = Record<string, unknown>;
const REGION: SourceOptions = { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } };
const pool = (extra: Obj = {}): Obj => ({ name: "hosts", arch: "arm64", instanceTypes: ["c7g.2xlarge"], ...extra });
const GHES = { url: "https://ghe.acme.test/acme", auth: "token", enterpriseServer: { version: "3.21" } };

/** The pool's model and the agent config its hosts get, from a stack through the real schema. */
function hostsOf(github: Obj, extra: Obj = {}) {
  const cfg = parseStackConfig(sourceFrom({ ...baseConfig(), github, hostPools: [pool(extra)] }, REGION));
  const model = hostPoolModel(cfg, cfg.hostPools[0]!, "runner-fleet", "test");
  return { model, agent: agentConfig(model, WIRING) };
}

const request = (serverUrl: string) => JSON.stringify({ v: 1, serverUrl, owner: "acme", repo: "widgets", token: "ghs_x", want: { kind: "default-branch" } });

describe("the git keeper's servers come from the stack", () => {
  it("default: the origin of the fleet's GitHub URL, github.com or the declared GHES host, in the hosts' agent config", () => {
    // github.com is the agent's own default: the config leaves it out (user-data names no GitHub host).
    const cloud = hostsOf({ url: "https://github.com/acme", auth: "token" });
    expect(cloud.model.gitServers).toEqual([...DEFAULT_GIT_SERVERS]);
    expect(cloud.agent.gitServers).toBeUndefined();
    const ghes = hostsOf(GHES).agent.gitServers!;
    expect(ghes).toEqual(["https://ghe.acme.test"]);
    // The keeper on such a host takes a request for the GHES host and refuses github.com.
    expect(parseRequest(request("https://ghe.acme.test"), ghes).serverUrl).toBe("https://ghe.acme.test");
    expect(() => parseRequest(request("https://github.com"), ghes)).toThrow(KeeperRefusal);
  });

  it("declared: every listed origin, normalised as the keeper compares them", () => {
    const { agent } = hostsOf(GHES, { gitServers: ["https://ghe.acme.test", "https://git.mirror.acme.test:8443/"] });
    expect(agent.gitServers).toEqual(["https://ghe.acme.test", "https://git.mirror.acme.test:8443"]);
    expect(parseRequest(request("https://git.mirror.acme.test:8443"), agent.gitServers!).serverUrl).toBe("https://git.mirror.acme.test:8443");
  });

  it.each([
    ["http://ghe.acme.test", /must be an https:\/\/ origin, got "http:\/\/ghe.acme.test"/],
    ["https://ghe.acme.test/acme", /must be an origin only/],
    ["https://user:pw@ghe.acme.test", /must be an origin only/],
    ["ghe.acme.test", /not a URL/],
  ])("refuses %s by key", (server, message) => {
    const lines = configErrorLines({ ...baseConfig(), github: GHES, hostPools: [pool({ gitServers: [server] })] }, REGION);
    const line = lines.find((l) => l.startsWith("Pulumi.test.yaml: runner-fleet:hostPools[0].gitServers[0]: "));
    expect(line, lines.join("\n")).toMatch(message);
  });

  it("refuses an empty list by key", () => {
    const lines = configErrorLines({ ...baseConfig(), github: GHES, hostPools: [pool({ gitServers: [] })] }, REGION);
    expect(lines.find((l) => l.startsWith("Pulumi.test.yaml: runner-fleet:hostPools[0].gitServers: "))).toMatch(/at least one server/);
  });
});
