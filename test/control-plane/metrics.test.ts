import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { DIMENSIONS, EmfMetrics, JOB_WAIT_ALARM_METRIC, METRIC_NAMESPACE, METRICS } from "../../control-plane/metrics/emf";

/**
 * The embedded metric format as AWS specifies it ("Specification: Embedded metric format",
 * CloudWatch User Guide): a root object with _aws {Timestamp (ms epoch), CloudWatchMetrics:
 * [MetricDirective]}; a directive has Namespace (1–1024 chars), Dimensions (arrays of at most 30
 * dimension keys) and Metrics (at most 100 MetricDefinitions {Name, Unit?, StorageResolution?});
 * every referenced dimension is a root member holding a string, every metric a root member holding
 * a number or an array of at most 100 numbers. Written here from the specification's text.
 */
const UNITS = [
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
  "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
  "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
];
const EMF_SCHEMA = {
  type: "object",
  required: ["_aws"],
  properties: {
    _aws: {
      type: "object",
      required: ["Timestamp", "CloudWatchMetrics"],
      properties: {
        Timestamp: { type: "integer", minimum: 0 },
        CloudWatchMetrics: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["Namespace", "Dimensions", "Metrics"],
            properties: {
              Namespace: { type: "string", minLength: 1, maxLength: 1024 },
              Dimensions: { type: "array", items: { type: "array", maxItems: 30, items: { type: "string", minLength: 1 } } },
              Metrics: {
                type: "array",
                maxItems: 100,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["Name"],
                  properties: { Name: { type: "string", minLength: 1, maxLength: 1024 }, Unit: { enum: UNITS }, StorageResolution: { enum: [1, 60] } },
                },
              },
            },
          },
        },
      },
    },
  },
};
const validate = new Ajv({ allErrors: true }).compile(EMF_SCHEMA);

type Doc = { _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } } & Record<string, unknown>;

function emfProblems(line: string): string[] {
  const doc = JSON.parse(line) as Doc;
  if (!validate(doc)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const problems: string[] = [];
  for (const d of doc._aws.CloudWatchMetrics) {
    for (const set of d.Dimensions) for (const k of set) if (typeof doc[k] !== "string") problems.push(`dimension ${k} is not a string member`);
    for (const m of d.Metrics) {
      const v = doc[m.Name];
      const ok = typeof v === "number" || (Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === "number"));
      if (!ok) problems.push(`metric ${m.Name} has no numeric member`);
    }
  }
  return problems;
}

describe("embedded-metric-format lines", () => {
  const lines: string[] = [];
  const m = new EmfMetrics("prod", (l) => lines.push(l), () => 1_763_884_800_000);

  it("every line fits the EMF specification", () => {
    m.poolSnapshot("graviton", { assignedJobs: 3, runningJobs: 2, idleRunners: 1, desiredHosts: 2, inServiceHosts: 1, oldestWaitingJobAgeSeconds: 42 });
    m.reactionTime("graviton", 850);
    m.refusal("graviton", "wrong-pool");
    m.refusal(undefined, "unauthenticated");
    m.issued("graviton");
    m.hostEvent("graviton", "install-failed");
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(emfProblems(l)).toEqual([]);
    const snap = JSON.parse(lines[0]!) as Doc;
    expect(snap).toMatchObject({ Fleet: "prod", Pool: "graviton", AssignedJobs: 3, OldestWaitingJobAge: 42 });
    expect(snap._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRIC_NAMESPACE);
    expect(snap._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([[...DIMENSIONS.base]]);
    expect(JSON.parse(lines[2]!)).toMatchObject({ BrokerRefusals: 1, Code: "wrong-pool" });
    expect(JSON.parse(lines[3]!)).toMatchObject({ Pool: "(unknown)" });
  });

  it("the validator refuses what CloudWatch would not extract", () => {
    expect(emfProblems(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "", Dimensions: [], Metrics: [] }] } }))).not.toEqual([]);
    expect(emfProblems(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "N", Dimensions: [["Pool"]], Metrics: [{ Name: "X", Unit: "Count" }] }] }, Pool: "p" }))).toEqual([
      "metric X has no numeric member",
    ]);
    expect(emfProblems(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "N", Dimensions: [["Pool"]], Metrics: [{ Name: "X", Unit: "Things" }] }] }, Pool: "p", X: 1 }))).not.toEqual([]);
  });

  it("names the alarm metric among the exported ones", () => {
    expect(Object.keys(METRICS)).toContain(JOB_WAIT_ALARM_METRIC);
    expect(METRICS[JOB_WAIT_ALARM_METRIC]).toBe("Seconds");
  });
});
