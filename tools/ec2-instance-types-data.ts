import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/**
 * AWS's DescribeInstanceTypes answers as moto ships them (moto/ec2/resources/instance_types.json.gz,
 * recorded from AWS): the reference config/ec2-instance-types.json is generated from.
 */
export function motoInstanceTypesFile(): string {
  const dir = execFileSync("python3", ["-c", "import moto, os; print(os.path.dirname(moto.__file__))"], { encoding: "utf8" }).trim();
  return join(dir, "ec2/resources/instance_types.json.gz");
}

export function motoVersion(): string {
  return execFileSync("python3", ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" }).trim();
}

type Described = Record<string, { ProcessorInfo: { SupportedArchitectures: string[] } }>;

/**
 * Family → sizes per architecture, only the types a Linux runner can boot on (mac* types run macOS
 * on dedicated hosts and are left out). Grouped by family so the committed file stays small.
 */
export function compactInstanceTypes(described: Described): { amd64: Record<string, string[]>; arm64: Record<string, string[]> } {
  const out = { amd64: {} as Record<string, string[]>, arm64: {} as Record<string, string[]> };
  for (const name of Object.keys(described).sort()) {
    const archs = described[name]!.ProcessorInfo.SupportedArchitectures;
    const arch = archs.includes("arm64") ? "arm64" : archs.includes("x86_64") ? "amd64" : undefined;
    if (arch === undefined) continue;
    const dot = name.indexOf(".");
    const family = name.slice(0, dot);
    (out[arch][family] ??= []).push(name.slice(dot + 1));
  }
  return out;
}

export function readMotoInstanceTypes(): Described {
  return JSON.parse(gunzipSync(readFileSync(motoInstanceTypesFile())).toString("utf8")) as Described;
}
