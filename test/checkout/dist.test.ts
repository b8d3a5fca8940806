import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCheckout } from "../../checkout/build";
import { REPO } from "../helpers/env";

// The runner runs checkout/dist/*.js from the repository at the ref a workflow names, with no
// install or build step: the committed bundle must be exactly what src/ builds to.
const out = mkdtempSync(join(tmpdir(), "checkout-dist-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("checkout/dist", () => {
  beforeAll(() => buildCheckout(out), 120_000);
  it.each(["main.js", "post.js"])("%s is current with checkout/src (else: npm run build:checkout and commit)", (f) => {
    expect(readFileSync(join(REPO, "checkout/dist", f), "utf8") === readFileSync(join(out, f), "utf8")).toBe(true);
  });

  it.each(["main.js", "post.js"])("%s needs nothing but Node's built-ins", (f) => {
    const required = [...readFileSync(join(REPO, "checkout/dist", f), "utf8").matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    for (const r of required) expect(builtinModules.includes(r.replace(/^node:/, "")), r).toBe(true);
  });
});
