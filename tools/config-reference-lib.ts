import { allKeys, configReference, defaultSentence, type KeyReference } from "../config/reference";

/*
 * Two renderings of the stack file's keys (config/reference.ts): the configuration reference in
 * Markdown, and the public component args in TypeScript, in the shapes Pulumi's component analyzer
 * accepts (interfaces, string-literal enums as `as const` objects, no other unions). Both are
 * written by `npm run docs:config` and checked for staleness by test/unit/config-reference.test.ts.
 */

/** Keys a team stack alone uses: not part of a fleet's public args. */
export const TEAM_ONLY_KEYS = ["team", "platform"] as const;

const BANNER = "Generated from config/schema.ts and config/descriptions.ts by `npm run docs:config`; do not edit.";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function docLine(ref: KeyReference): string {
  const only = ref.variants ? ` Only with cluster type ${ref.variants.map((v) => `\`${v}\``).join(", ")}.` : "";
  return [ref.description, defaultSentence(ref), only.trim()].filter((s) => s !== "").join(" ");
}

/** docs/configuration.md: every key, its type, default and meaning. */
export function configMarkdown(refs: KeyReference[] = configReference()): string {
  const lines = [
    "# Configuration reference",
    "",
    `<!-- ${BANNER} -->`,
    "",
    "Every key of a stack file (`Pulumi.<stack>.yaml`), under the project's namespace",
    "(`runner-fleet:<key>`). Structured keys are YAML objects and lists; the program validates all of",
    "them before it registers any resource and names the file and key of every mistake. The",
    "`RunnerFleet` component takes the same keys as its args (see [package.md](package.md)).",
    "",
    "Besides these, two secrets hold the GitHub credential, set only with `pulumi config set --secret`:",
    "`runner-fleet:githubToken` (with `github.auth: token`) or `runner-fleet:githubAppPrivateKey` (the",
    "App's PEM key, with `github.auth: app`); and `runner-fleet:kubeconfig` (secret, optional) reaches an",
    "`existing` cluster. `aws:region` is required with an EKS cluster and with host pools.",
    "",
  ];
  for (const top of refs) {
    lines.push(`## \`${top.path}\``, "", docLine(top), "");
    lines.push("| key | type | required | default | description |", "| --- | --- | --- | --- | --- |");
    for (const k of allKeys([top])) {
      const def = k.defaults.length === 0 ? "" : k.defaults.every((d) => d.variant === undefined) ? `\`${JSON.stringify(k.defaults[0]!.value)}\`` : k.defaults.map((d) => `\`${JSON.stringify(d.value)}\` (${d.variant})`).join("; ");
      const only = k.variants ? ` Only with cluster type ${k.variants.join(", ")}.` : "";
      lines.push(`| \`${k.path}\` | ${cell(`\`${k.type}\``)} | ${k.required ? "yes" : ""} | ${cell(def)} | ${cell(k.description + only)} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

const pascal = (s: string): string => s.replace(/(^|[-_ ])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());

/** Interface names for the objects of the schema; a key added later gets one made from its path. */
const OBJECT_NAMES: Record<string, string> = {
  "": "FleetConfigArgs",
  "runnerGroups[]": "RunnerGroupArgs",
  "teams[]": "TeamArgs",
  "teams[].runnerGroups[]": "RunnerGroupArgs",
  github: "GithubArgs",
  cluster: "ClusterArgs",
  "cluster.nodeGroups[]": "NodeGroupArgs",
  "cluster.nodeGroups[].scaling": "NodeGroupScalingArgs",
  "cluster.nodeGroups[].taints[]": "TaintArgs",
  arc: "ArcArgs",
  "runnerSets[]": "RunnerSetArgs",
  "runnerSets[].storage": "RunnerSetStorageArgs",
  "runnerSets[].workVolume": "RunnerSetWorkVolumeArgs",
  "hostPools[]": "HostPoolArgs",
  "hostPools[].capacity": "HostPoolCapacityArgs",
  "hostPools[].schedules[]": "HostPoolScheduleArgs",
  "hostPools[].warmPool": "HostPoolWarmPoolArgs",
};

/** Enum names, so the same allowed values share one name (`Arch`) and different ones never collide. */
const ENUM_NAMES: Record<string, string> = {
  "runnerGroups[].visibility": "RunnerGroupVisibility",
  "teams[].credential": "TeamCredential",
  "github.auth": "GithubAuth",
  "cluster.type": "ClusterType",
  "cluster.arch": "Arch",
  "cluster.archs": "Arch",
  "cluster.logTypes": "EksLogType",
  "cluster.nodeGroups[].arch": "Arch",
  "cluster.nodeGroups[].capacityType": "CapacityType",
  "cluster.nodeGroups[].taints[].effect": "TaintEffect",
  "arc.logLevel": "ArcLogLevel",
  "arc.logFormat": "ArcLogFormat",
  "runnerSets[].arch": "Arch",
  "runnerSets[].containerMode": "ContainerMode",
  "hostPools[].arch": "Arch",
  "hostPools[].os": "HostOs",
  "hostPools[].warmPool.state": "WarmPoolState",
  "hostPools[].docker": "DockerMode",
};

const memberKey = (v: string): string => {
  const k = v.replace(/[-_ .]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");
  return /^[0-9]/.test(k) ? `v${k}` : k;
};

/** components/fleet/args.ts: the fleet's public args, one interface per object of the schema. */
export function argsTypeScript(refs: KeyReference[] = configReference()): string {
  const enums = new Map<string, string[]>();
  const interfaces = new Map<string, string[]>();
  const objectName = (path: string): string => OBJECT_NAMES[path] ?? `${path.split(/[.[\]]+/).filter(Boolean).map(pascal).join("")}Args`;

  const enumName = (ref: KeyReference, values: string[]): string => {
    const name = ENUM_NAMES[ref.path] ?? pascal(ref.path.split(".").pop()!.replace(/\[\]$/, ""));
    const seen = enums.get(name);
    if (seen && seen.join() !== values.join()) throw new Error(`enum ${name} at ${ref.path} has other values than before (${seen.join()}); name it in ENUM_NAMES`);
    enums.set(name, values);
    return name;
  };

  const tsType = (ref: KeyReference): string => {
    const strings = ref.enum?.every((e) => typeof e === "string") ? (ref.enum as string[]) : undefined;
    if (ref.children) {
      const inner = ref.itemType !== undefined ? `${ref.path}[]` : ref.path;
      emit(inner, ref.children);
      return ref.itemType !== undefined ? `${objectName(inner)}[]` : objectName(inner);
    }
    if (strings && ref.type.endsWith("[]")) return `${enumName(ref, strings)}[]`;
    if (strings) return enumName(ref, strings);
    // GitHub ids and literal numbers are unions the analyzer refuses; the schema still checks them.
    if (ref.type.includes(" | ")) return ref.type.includes("string") ? "string" : "number";
    const base: Record<string, string> = { string: "string", integer: "number", number: "number", boolean: "boolean", "string[]": "string[]", "integer[]": "number[]", "map of string": "{ [key: string]: string }" };
    const t = base[ref.type];
    if (!t) throw new Error(`no public type for ${ref.path}: ${ref.type}`);
    return t;
  };

  function emit(path: string, children: KeyReference[]): void {
    const name = objectName(path);
    if (interfaces.has(name)) return;
    interfaces.set(name, []);
    const body: string[] = [];
    for (const c of children) {
      if (path === "" && (TEAM_ONLY_KEYS as readonly string[]).includes(c.path)) continue;
      const key = c.path.slice(c.path.lastIndexOf(".") + 1);
      body.push(`  /** ${docLine(c).replace(/\*\//g, "*\\/")} */`, `  ${key}${c.required ? "" : "?"}: ${tsType(c)};`);
    }
    interfaces.set(name, body);
  }
  emit("", refs);

  const out = [`// ${BANNER}`, "// The shapes Pulumi's component analyzer accepts: interfaces, string enums as `as const` objects.", ""];
  for (const [name, values] of enums) {
    out.push(`export const ${name} = {`, ...values.map((v) => `  ${memberKey(v)}: ${JSON.stringify(v)},`), "} as const;", `export type ${name} = (typeof ${name})[keyof typeof ${name}];`, "");
  }
  const docs: Record<string, string> = { FleetConfigArgs: "A whole fleet, as a stack file describes it (every key of `runner-fleet:*` but a team stack's own)." };
  for (const [name, body] of interfaces) {
    const path = Object.entries(OBJECT_NAMES).find(([, n]) => n === name)?.[0];
    const ref = allKeys(refs).find((k) => k.path === path || `${k.path}[]` === path);
    out.push(`/** ${docs[name] ?? ref?.description ?? name} */`, `export interface ${name} {`, ...body, "}", "");
  }
  return out.join("\n");
}
