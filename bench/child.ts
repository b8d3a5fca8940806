import * as pulumi from "@pulumi/pulumi";
import { readFileSync, writeFileSync } from "node:fs";
import { fleetProgram } from "../stacks/program";
import { renderStack, unwrapSecrets } from "../tools/render-lib";
import { syntheticConfig } from "./fleet";

/** The floor: a resource with no logic at all. */
class Bare extends pulumi.CustomResource {
  constructor(name: string, props: Record<string, unknown>) {
    super("bench:index:Bare", name, props);
  }
}

class ReplayCustom extends pulumi.CustomResource {
  constructor(type: string, name: string, props: Record<string, unknown>) {
    super(type, name, props);
  }
}
class ReplayComponent extends pulumi.ComponentResource {}

type Ctor = new (name: string, args: Record<string, unknown>) => pulumi.Resource;

/** The SDK's own class for a type token (`aws:eks/cluster:Cluster` → @pulumi/aws/eks/cluster), by the packages' layout. */
function sdkClass(type: string): Ctor | undefined {
  const [pkg, mod, cls] = type.split(":") as [string, string, string];
  const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);
  let path: string;
  if (pkg === "pulumi" && mod === "providers") path = `@pulumi/${cls}/provider`;
  else if (pkg === "kubernetes") path = `@pulumi/kubernetes/${mod.replace(/\.[a-z0-9.]+(?=\/)/, "")}/${lowerFirst(cls)}`;
  else if (pkg === "command") path = `@pulumi/command/${mod}/${lowerFirst(cls)}`;
  else {
    const dir = mod.split("/")[0]!;
    path = `@pulumi/${pkg}/${dir === "index" ? "" : `${dir}/`}${lowerFirst(cls)}`;
  }
  try {
    const m = require(path) as Record<string, Ctor>;
    return m[pkg === "pulumi" ? "Provider" : cls];
  } catch {
    return undefined;
  }
}

interface Dumped {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

/**
 * One measurement in a fresh process:
 *   program <sets> [dump]  render the synthetic fleet (optionally writing its resources to `dump`);
 *   bare <count>           register that many featureless resources;
 *   replay <dump>          register exactly the program's resources (types, names, inputs) with no logic.
 */
async function main(): Promise<void> {
  const [mode, arg, dump] = [process.argv[2], process.argv[3]!, process.argv[4]];
  const replay = mode === "replay" ? (JSON.parse(readFileSync(arg, "utf8")) as Dumped[]) : [];
  const start = process.hrtime.bigint();
  let resources: number;
  if (mode === "program") {
    const r = await renderStack({ project: "runner-fleet", stack: "bench", config: syntheticConfig(Number(arg)), secretKeys: ["runner-fleet:githubToken"], program: () => fleetProgram() });
    resources = r.resources.length;
    if (dump) writeFileSync(dump, JSON.stringify(r.resources.map((x) => ({ type: x.type, name: x.name, custom: x.custom, inputs: unwrapSecrets(x.inputs) }))));
  } else {
    const n = Number(arg);
    const r = await renderStack({
      project: "runner-fleet",
      stack: "bench",
      config: {},
      secretKeys: [],
      program: () => {
        if (mode === "bare") for (let i = 0; i < n; i++) new Bare(`bare-${i}`, { value: i });
        for (const x of replay) {
          const Sdk = x.custom ? sdkClass(x.type) : undefined;
          if (Sdk) new Sdk(x.name, x.inputs);
          else if (x.custom) new ReplayCustom(x.type, x.name, x.inputs);
          else new ReplayComponent(x.type, x.name, {});
        }
        return {};
      },
    });
    resources = r.resources.length;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, resources, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
