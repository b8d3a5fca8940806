import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { saveState, setOutput } from "../../checkout/src/runner";
import { parseEnvFile } from "./runner";

// The emulator's reading of GITHUB_STATE/GITHUB_OUTPUT follows actions/runner's
// FileCommandManager.cs (EnvFileKeyValuePairs); the action's writer must survive it with any value.
describe("runner file commands", () => {
  it("parses both forms the runner accepts, the last value of a name winning", () => {
    expect(parseEnvFile("a=1\nb=x=y\n\nc<<EOF\nline 1\nline 2\nEOF\na=2\n")).toEqual({ a: "2", b: "x=y", c: "line 1\nline 2" });
    expect(parseEnvFile("empty<<D\nD\n")).toEqual({ empty: "" });
  });

  it("refuses what the runner refuses", () => {
    expect(() => parseEnvFile("c<<EOF\nno end\n")).toThrow(/Matching delimiter not found/);
    expect(() => parseEnvFile("<<EOF\nx\nEOF\n")).toThrow(/Name must not be empty/);
    expect(() => parseEnvFile("just text\n")).toThrow(/Invalid format/);
  });

  it("the action's saveState/setOutput round-trip values with newlines, '=' and '<<'", () => {
    const dir = mkdtempSync(join(tmpdir(), "filecmd-"));
    const [state, output] = [join(dir, "state"), join(dir, "output")];
    writeFileSync(state, "");
    writeFileSync(output, "");
    const before = [process.env.GITHUB_STATE, process.env.GITHUB_OUTPUT];
    process.env.GITHUB_STATE = state;
    process.env.GITHUB_OUTPUT = output;
    try {
      const tricky = "a=b\nc<<EOF\nEOF\n%0A ::error::x";
      saveState("path", "/w/with space");
      saveState("tricky", tricky);
      saveState("path", "/w/second");
      setOutput("commit", "0123");
      expect(parseEnvFile(readFileSync(state, "utf8"))).toEqual({ path: "/w/second", tricky });
      expect(parseEnvFile(readFileSync(output, "utf8"))).toEqual({ commit: "0123" });
    } finally {
      process.env.GITHUB_STATE = before[0];
      process.env.GITHUB_OUTPUT = before[1];
      if (before[0] === undefined) delete process.env.GITHUB_STATE;
      if (before[1] === undefined) delete process.env.GITHUB_OUTPUT;
    }
  });
});
