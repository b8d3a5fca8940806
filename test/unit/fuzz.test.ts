import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/errors";
import { parseStackConfig } from "../../config/load";
import { readStackFile, type StackFileConfig } from "../../tools/stack-file";
import { REPO } from "../helpers/env";

/*
 * Mutations of the real stack files with a known verdict: each invalidating mutation must be
 * rejected with a ConfigError naming the stack file and a key path at (or under) what it touched;
 * each preserving mutation must still be accepted; nothing else may be thrown.
 */

type Json = unknown;
type Cfg = Record<string, Json>;
type Path = (string | number)[];

const NS = "runner-fleet:";

function seed(stack: string, dir = REPO): { file: StackFileConfig; cfg: Cfg } {
  const file = readStackFile(dir, stack);
  const cfg: Cfg = {};
  for (const [k, v] of Object.entries(file.config)) {
    if (!k.startsWith(NS) || k.endsWith("githubToken") || k.endsWith("githubAppPrivateKey")) continue;
    try {
      cfg[k.slice(NS.length)] = JSON.parse(v);
    } catch {
      cfg[k.slice(NS.length)] = v;
    }
  }
  return { file, cfg };
}
const SEEDS = [seed("dev"), seed("prod"), seed("team-example", `${REPO}/stacks`)];

function parse(s: (typeof SEEDS)[number], cfg: Cfg): string[] | "ok" {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.file.config)) if (!k.startsWith(NS) || k.endsWith("githubToken") || k.endsWith("githubAppPrivateKey")) config[k] = v;
  for (const [k, v] of Object.entries(cfg)) config[NS + k] = typeof v === "string" ? v : JSON.stringify(v);
  try {
    parseStackConfig({ project: "runner-fleet", stack: s.file.stack, all: () => config, isSecret: (k) => s.file.secretKeys.includes(k) });
    return "ok";
  } catch (e) {
    if (ConfigError.isConfigError(e)) return [...e.lines];
    throw e; // anything else escaping is a failure of the property
  }
}

const get = (o: Json, p: Path): Json => p.reduce<Json>((acc, k) => (acc as Record<string | number, Json> | undefined)?.[k], o);
function set(o: Cfg, p: Path, v: Json): Cfg {
  const copy = structuredClone(o);
  let cur = copy as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  if (v === undefined) delete cur[p.at(-1)!];
  else cur[p.at(-1)!] = v;
  return copy;
}
const keyOf = (p: Path) => p.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), "");

interface Mutation {
  what: string;
  apply: (c: Cfg) => { cfg: Cfg; path: Path } | undefined;
}

/** Leaves of each section with the kind of value they hold, to break in type-specific ways. */
const INT_LEAVES: [string, string, number, number][] = [
  ["runnerSets", "instances", 1, 99],
  // No upper bound of its own: a minRunners above maxRunners is reported at maxRunners.
  ["runnerSets", "minRunners", 0, Number.POSITIVE_INFINITY],
  ["hostPools", "runnersPerHost", 1, 64],
  ["hostPools", "rootVolumeGiB", 20, 16384],
];
const ENUM_LEAVES: [string, string][] = [
  ["runnerSets", "arch"],
  ["runnerSets", "containerMode"],
  ["hostPools", "arch"],
  ["hostPools", "os"],
];
const REQUIRED: [string, string][] = [
  ["runnerSets", "name"],
  ["hostPools", "name"],
  ["hostPools", "arch"],
  ["hostPools", "instanceTypes"],
];

const pick = <T>(xs: T[], r: number): T | undefined => (xs.length === 0 ? undefined : xs[r % xs.length]);
const items = (c: Cfg, section: string) => (Array.isArray(c[section]) ? (c[section] as Cfg[]) : []);

function invalidating(r: number, junk: string): Mutation[] {
  return [
    {
      what: "wrong type",
      apply: (c) => {
        const [sec, key] = pick([...INT_LEAVES.map(([s, k]) => [s, k] as const), ...ENUM_LEAVES], r)!;
        const i = r % Math.max(1, items(c, sec).length);
        if (!items(c, sec)[i]) return undefined;
        const wrong = [true, { x: 1 }, [1], 3.5].at(r % 4);
        if (typeof get(c, [sec, i, key]) === "number" && typeof wrong === "number") return undefined;
        return { cfg: set(c, [sec, i, key], wrong), path: [sec, i, key] };
      },
    },
    {
      what: "missing required key",
      apply: (c) => {
        const [sec, key] = pick(REQUIRED, r)!;
        const i = r % Math.max(1, items(c, sec).length);
        if (!items(c, sec)[i]) return undefined;
        return { cfg: set(c, [sec, i, key], undefined), path: [sec, i, key] };
      },
    },
    {
      what: "out of range",
      apply: (c) => {
        const [sec, key, min, max] = pick(INT_LEAVES, r)!;
        const i = r % Math.max(1, items(c, sec).length);
        if (!items(c, sec)[i]) return undefined;
        const below = r % 2 === 0 || !Number.isFinite(max);
        return { cfg: set(c, [sec, i, key], below ? min - 1 - (r % 5) : max + 1 + (r % 50)), path: [sec, i, key] };
      },
    },
    {
      what: "overlong name",
      apply: (c) => {
        const sec = pick(["runnerSets", "hostPools"], r)!;
        const i = r % Math.max(1, items(c, sec).length);
        if (!items(c, sec)[i]) return undefined;
        return { cfg: set(c, [sec, i, "name"], "a".repeat(64 + (r % 40))), path: [sec, i, "name"] };
      },
    },
    {
      what: "duplicate label (other case)",
      apply: (c) => {
        const sec = pick(["runnerSets", "hostPools"], r)!;
        const i = items(c, sec).findIndex((x) => Array.isArray(x.labels) && (x.labels as string[]).length > 0);
        if (i < 0) return undefined;
        const labels = items(c, sec)[i]!.labels as string[];
        return { cfg: set(c, [sec, i, "labels"], [...labels, labels[r % labels.length]!.toUpperCase()]), path: [sec, i, "labels"] };
      },
    },
    {
      what: "unknown key",
      apply: (c) => {
        const targets: Path[] = [["github"], ...items(c, "runnerSets").map((_, i) => ["runnerSets", i]), ...items(c, "hostPools").map((_, i) => ["hostPools", i])];
        const p = pick(targets, r)!;
        const key = `zz${junk}`;
        return { cfg: set(c, [...p, key], 1), path: [...p, key] };
      },
    },
    {
      what: "instance type of the other arch",
      apply: (c) => {
        const i = r % Math.max(1, items(c, "hostPools").length);
        const p = items(c, "hostPools")[i];
        if (!p) return undefined;
        const other = p.arch === "arm64" ? "m7i.large" : "c7g.large";
        return { cfg: set(c, ["hostPools", i, "instanceTypes"], [other]), path: ["hostPools", i, "instanceTypes"] };
      },
    },
  ];
}

function preserving(r: number): Mutation[] {
  return [
    {
      what: "reorder a list",
      apply: (c) => {
        const sec = pick(["runnerSets", "hostPools", "runnerGroups"], r)!;
        const list = items(c, sec);
        if (list.length < 2) return undefined;
        const k = r % list.length;
        return { cfg: set(c, [sec], [...list.slice(k), ...list.slice(0, k)]), path: [sec] };
      },
    },
    {
      what: "another valid instance count",
      apply: (c) => {
        const i = r % Math.max(1, items(c, "runnerSets").length);
        if (!items(c, "runnerSets")[i]) return undefined;
        return { cfg: set(c, ["runnerSets", i, "instances"], 1 + (r % 99)), path: ["runnerSets", i, "instances"] };
      },
    },
    {
      what: "raise maxRunners",
      apply: (c) => {
        const i = r % Math.max(1, items(c, "runnerSets").length);
        const s = items(c, "runnerSets")[i];
        if (!s) return undefined;
        return { cfg: set(c, ["runnerSets", i, "maxRunners"], Number(s.maxRunners ?? 1) + (r % 20)), path: ["runnerSets", i, "maxRunners"] };
      },
    },
  ];
}

function property(seedValue: number): void {
  const tally = new Map<string, number>();
  fc.assert(
    fc.property(fc.nat(SEEDS.length - 1), fc.nat(1_000_000), fc.boolean(), fc.stringMatching(/^[a-z]{3,10}$/), (s, r, bad, junk) => {
      const base = SEEDS[s]!;
      const ms = bad ? invalidating(r, junk) : preserving(r);
      const m = ms[r % ms.length]!.apply(base.cfg);
      fc.pre(m !== undefined);
      const what = ms[r % ms.length]!.what;
      tally.set(what, (tally.get(what) ?? 0) + 1);
      const verdict = parse(base, m!.cfg);
      if (!bad) {
        expect(verdict, `${ms[r % ms.length]!.what} was rejected`).toBe("ok");
        return;
      }
      expect(verdict, `${ms[r % ms.length]!.what} at ${keyOf(m!.path)} was accepted`).not.toBe("ok");
      const prefix = `${base.file.file}: runner-fleet:${keyOf(m!.path)}`;
      expect((verdict as string[]).some((l) => l.startsWith(prefix)), `no line names ${prefix}:\n${(verdict as string[]).join("\n")}`).toBe(true);
    }),
    { numRuns: 2000, seed: seedValue },
  );
  // Every kind of mutation really ran, not just the easy ones.
  const kinds = [...invalidating(0, "x"), ...preserving(0)].map((m) => m.what);
  for (const k of kinds) expect(tally.get(k) ?? 0, `${k} ran ${tally.get(k) ?? 0} times`).toBeGreaterThanOrEqual(50);
  expect([...tally.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
}

describe("config fuzzing", () => {
  it("the seeds themselves are valid", () => {
    for (const s of SEEDS) expect(parse(s, s.cfg)).toBe("ok");
  });
  it("2,000 mutations with a fixed seed", () => property(20261123));
  const random = Date.now() % 2_147_483_647;
  it(`2,000 mutations with a random seed (${random}; rerun with it to reproduce)`, () => property(random));
});
