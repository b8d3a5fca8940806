import { describe, expect, it } from "vitest";
import { instanceTypeArch, githubArchLabel } from "../../config/arch";
import { parseGithubUrl } from "../../config/github-url";
import { routingHint, scaleSetBase, scaleSetNames, SCALE_SET_NAME_MAX, DNS1123_LABEL } from "../../config/names";

describe("scale-set names", () => {
  it("numbers instances from 1 as the seed does", () => {
    expect(scaleSetNames("rubionic", 3)).toEqual(["rubionic-1", "rubionic-2", "rubionic-3"]);
  });

  it("keeps long names within ARC's 45 characters with a stable hash, never a bare truncation", () => {
    const long = "kernel-and-virtualisation-integration-tests-arm64";
    const names = scaleSetNames(long, 99);
    for (const n of names) {
      expect(n.length).toBeLessThanOrEqual(SCALE_SET_NAME_MAX);
      expect(n).toMatch(DNS1123_LABEL);
    }
    expect(scaleSetBase(long)).toBe(scaleSetBase(long));
    // Two long names with the same first 40 characters still differ.
    const other = `${long}-x`;
    expect(scaleSetBase(other)).not.toBe(scaleSetBase(long));
    expect(scaleSetBase(other).slice(0, 30)).toBe(scaleSetBase(long).slice(0, 30));
  });

  it("does not rename existing instances when the instance count changes", () => {
    const long = "a".repeat(50);
    expect(scaleSetNames(long, 9).slice(0, 3)).toEqual(scaleSetNames(long, 12).slice(0, 3));
    expect(scaleSetNames("short", 9)[0]).toBe(scaleSetNames("short", 10)[0]);
  });

  it("routes issue N to instance N mod count + 1 with the same stem as the scale sets", () => {
    expect(routingHint("rubionic", 3)).toBe("rubionic-${{ needs.route.outputs.instance }}");
    const long = "b".repeat(60);
    expect(routingHint(long, 4).startsWith(`${scaleSetBase(long)}-\${{`)).toBe(true);
  });
});

describe("architecture", () => {
  it.each([
    ["c7g.2xlarge", "arm64"],
    ["m6gd.large", "arm64"],
    ["c7gn.medium", "arm64"],
    ["t4g.micro", "arm64"],
    ["im4gn.large", "arm64"],
    ["is4gen.xlarge", "arm64"],
    ["g5g.xlarge", "arm64"],
    ["r8g.4xlarge", "arm64"],
    ["a1.large", "arm64"],
    ["c6i.large", "amd64"],
    ["m7a.xlarge", "amd64"],
    ["g5.xlarge", "amd64"],
    ["t3a.small", "amd64"],
    ["m5zn.large", "amd64"],
    ["c6in.2xlarge", "amd64"],
  ])("%s is %s", (type, arch) => {
    expect(instanceTypeArch(type)).toBe(arch);
  });

  it("does not guess at what is not an instance type", () => {
    expect(instanceTypeArch("large")).toBeUndefined();
    expect(instanceTypeArch("C7G.large")).toBeUndefined();
  });

  it("names the runner's GitHub arch label", () => {
    expect(githubArchLabel("arm64")).toBe("ARM64");
    expect(githubArchLabel("amd64")).toBe("X64");
  });
});

describe("GitHub URLs", () => {
  it("tells repositories, organisations and enterprises apart", () => {
    expect(parseGithubUrl("https://github.com/acme/widgets")).toEqual({ kind: "repo", host: "github.com", owner: "acme", repo: "widgets" });
    expect(parseGithubUrl("https://github.com/acme")).toEqual({ kind: "org", host: "github.com", org: "acme" });
    expect(parseGithubUrl("https://github.com/enterprises/megacorp")).toEqual({ kind: "enterprise", host: "github.com", enterprise: "megacorp" });
    expect(parseGithubUrl("https://ghe.example.com/acme")).toEqual({ kind: "org", host: "ghe.example.com", org: "acme" });
  });

  it.each(["github.com/acme", "http://github.com/acme", "https://github.com", "https://github.com/a/b/c", "https://x:y@github.com/acme", "https://github.com/enterprises", "https://github.com/acme?x=1", "https://github.com/acme/", "https://github.com/acme/widgets.git"])(
    "rejects %s",
    (url) => expect(parseGithubUrl(url)).toHaveProperty("error"),
  );
});
