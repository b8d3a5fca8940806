import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_WAIT_METRIC, jobWaitAlarm } from "../../components/control-plane/alarms";
import { hostPoolModel } from "../../config/host-model";
import { parseStackConfig } from "../../config/load";
import { sourceFrom, TOKEN } from "../helpers/config";
import { CONTROL_PLANE_ENTRY } from "../../components/control-plane/bundle";
import { CONTROL_PLANE_ACTIONS, CONTROL_PLANE_BUCKET_PREFIXES, controlPlanePolicy } from "../../components/control-plane/policies";
import { prerequisite, REPO } from "../helpers/env";

/** The IAM service prefix of each AWS SDK v3 client the control plane may use. */
const SERVICE: Record<string, string> = {
  "client-auto-scaling": "autoscaling",
  "client-s3": "s3",
  "client-secrets-manager": "secretsmanager",
  "client-ec2": "ec2",
  "client-cloudwatch": "cloudwatch",
  "client-sts": "sts",
};
/** S3 operations whose IAM action has another name (Service Authorization Reference). */
const S3_ACTION: Record<string, string> = { ListObjectsV2: "ListBucket", ListObjects: "ListBucket", HeadObject: "GetObject", CopyObject: "PutObject" };

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : f.endsWith(".ts") ? [p] : [];
  });
}

/** `<service>:<Action>` for every `XxxCommand` imported from an AWS SDK client. */
export function sdkActions(files: string[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"@aws-sdk\/(client-[a-z0-9-]+)"/g)) {
      const service = SERVICE[m[2]!];
      if (service === undefined) throw new Error(`${f}: ${m[2]} has no IAM prefix here; add it to SERVICE`);
      for (const name of m[1]!.split(",").map((s) => s.trim().replace(/^type\s+/, ""))) {
        const cmd = /^([A-Za-z0-9]+)Command$/.exec(name);
        if (!cmd) continue;
        const op = cmd[1]!;
        out.add(`${service}:${service === "s3" ? (S3_ACTION[op] ?? op) : op}`);
      }
    }
  }
  return [...out].sort();
}

const granted = (): Set<string> => {
  const doc = controlPlanePolicy({
    region: "eu-west-1",
    dnsSuffix: "amazonaws.com",
    secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
    bucketArn: "arn:aws:s3:::b",
    poolGroups: { arn: "arn:aws:autoscaling:eu-west-1:1:autoScalingGroup:*:autoScalingGroupName/g-*", tags: { "runner-fleet:stack": "g" } },
    logGroupArn: "arn:aws:logs:eu-west-1:1:log-group:g",
  });
  return new Set(doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
};

describe("the control plane's role covers the calls its code makes", () => {
  it("reads SDK calls as IAM actions (S3's renamed ones too)", () => {
    const f = join(mkdtempSync(join(tmpdir(), "cp-iam-")), "x.ts");
    writeFileSync(
      f,
      'import {\n  DescribeAutoScalingGroupsCommand,\n  type AutoScalingClient,\n} from "@aws-sdk/client-auto-scaling";\nimport { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";\n',
    );
    expect(sdkActions([f])).toEqual(["autoscaling:DescribeAutoScalingGroups", "s3:ListBucket", "s3:PutObject"]);
    writeFileSync(f, 'import { PutItemCommand } from "@aws-sdk/client-dynamodb";\n');
    expect(() => sdkActions([f])).toThrow(/client-dynamodb has no IAM prefix/);
  });

  const run = prerequisite("control-plane/handler.ts (branch cp-services)", existsSync(CONTROL_PLANE_ENTRY), "merge the branch that adds the Lambda entry") ? it : it.skip;
  const IAM_ACTIONS = join(REPO, "control-plane/iam-actions.ts");
  const listed = prerequisite("control-plane/iam-actions.ts (branch cp-services)", existsSync(IAM_ACTIONS), "merge the branch that lists the control plane's IAM actions") ? it : it.skip;
  listed("copies control-plane/iam-actions.ts exactly: the same actions per resource kind and the same bucket prefixes", async () => {
    // Dynamic, so this file compiles before that module exists in the tree.
    const m = (await import(IAM_ACTIONS)) as { CONTROL_PLANE_IAM_ACTIONS: Record<string, readonly string[]>; CONTROL_PLANE_BUCKET_PREFIXES: readonly string[] };
    const sorted = (o: Record<string, readonly string[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(CONTROL_PLANE_ACTIONS)).toEqual(sorted(m.CONTROL_PLANE_IAM_ACTIONS));
    expect([...CONTROL_PLANE_BUCKET_PREFIXES].sort()).toEqual([...m.CONTROL_PLANE_BUCKET_PREFIXES].sort());
  });

  const EMF = join(REPO, "control-plane/metrics/emf.ts");
  const emf = prerequisite("control-plane/metrics/emf.ts (branch cp-services)", existsSync(EMF), "merge the branch that writes the metrics") ? it : it.skip;
  emf("alarms as the control plane defines it, on the metric it writes", async () => {
    const m = (await import(EMF)) as {
      METRIC_NAMESPACE: string;
      METRICS: Record<string, string>;
      DIMENSIONS: { base: readonly string[] };
      jobWaitAlarm(seconds: number): Record<string, unknown> & { dimensions: readonly string[] };
    };
    expect([JOB_WAIT_METRIC.namespace, [...JOB_WAIT_METRIC.dimensions]]).toEqual([m.METRIC_NAMESPACE, [...m.DIMENSIONS.base]]);
    expect(m.METRICS[JOB_WAIT_METRIC.name]).toBeDefined();
    const pools = parseStackConfig(
      sourceFrom(
        { github: { url: "https://github.com/acme", auth: "token" }, hostPools: [7, 10, 1].map((min, i) => ({ name: `p${i}`, arch: "arm64", instanceTypes: ["c7g.large"], labels: [`l${i}`], jobWaitAlarmMinutes: min })) },
        { secrets: TOKEN, foreign: { "aws:region": "eu-west-1" } },
      ),
    );
    for (const p of pools.hostPools) {
      const ours = jobWaitAlarm("fleet", hostPoolModel(pools, p, "runner-fleet", "test"));
      const { dimensions, ...theirs } = m.jobWaitAlarm(p.jobWaitAlarmMinutes * 60);
      const { alarmDescription: _d, dimensions: ourDims, ...rest } = ours;
      expect(rest).toEqual(theirs);
      expect(Object.keys(ourDims)).toEqual([...dimensions]);
    }
  });

  run("lets the S3 code write only under the granted prefixes (every key prefix written as a literal there)", () => {
    const s3Files = tsFiles(join(REPO, "control-plane")).filter((f) => readFileSync(f, "utf8").includes('"@aws-sdk/client-s3"'));
    const literals = s3Files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/["`]((?:[a-z0-9-]+\/)+)["`$]/g)].map((m) => m[1]!));
    expect(literals.length).toBeGreaterThan(0);
    expect(literals.filter((p) => !CONTROL_PLANE_BUCKET_PREFIXES.some((g) => p.startsWith(g)))).toEqual([]);
  });

  run("grants every AWS action imported under control-plane/, and the code makes some", () => {
    const actions = sdkActions(tsFiles(join(REPO, "control-plane")));
    expect(actions.length).toBeGreaterThan(0);
    const have = granted();
    expect(actions.filter((a) => !have.has(a))).toEqual([]);
  });
});
