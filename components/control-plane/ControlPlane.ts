import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { createHash } from "node:crypto";
import type { HostPoolModel } from "../../config/host-model";
import type { MirrorEvent, RegisterEvent } from "../../protocol/control-plane-events";
import type { AwsContext } from "../aws/aws-context";
import { asgArn } from "../aws/host-policies";
import { component } from "../types";
import { controlPlaneBundle, LAMBDA_HANDLER, LAMBDA_RUNTIME } from "./bundle";
import { controlPlaneConfig } from "./control-plane-config";
import { CONTROL_PLANE_CONFIG_FILE } from "../../protocol/control-plane-config";
import { BROKER_MAX_CONTAINERS } from "../../protocol/github-budget";
import { JOB_WAIT_METRIC, jobWaitAlarm } from "./alarms";
import { controlPlaneSizing, LOG_RETENTION_DAYS } from "./sizing";
import { controlPlanePolicy, lambdaTrust } from "./policies";

export interface ControlPlaneArgs {
  /** `<project>-<stack>`: names the log group, the metric dimension and the scale-set owner. */
  fleet: string;
  pools: HostPoolModel[];
  /** Per pool name: the ARN its host role will have (fixed names, so no cycle with the pools). */
  hostRoleArns: Record<string, pulumi.Input<string>>;
  /**
   * What the stack's groups share: every pool's group name starts with `namePrefix` and the group
   * carries `tags` (the stack's tags, which the pools' groups are given). The control plane's Auto
   * Scaling grant is scoped by both, so it stays one statement at any pool count.
   */
  groupScope: { namePrefix: string; tags: Record<string, string> };
  secretArn: pulumi.Input<string>;
  kmsKeyArn?: string;
  bucket: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  githubApiUrl: string;
  tags: Record<string, string>;
  aws: AwsContext;
  /** What the credential read needs to exist before `up` registers the scale sets (the secret's version). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The control plane of a stack's host pools: two functions from one bundle, the only role that
 * can read the GitHub credential, a log group with retention, one job-wait alarm per pool, and
 * the scale sets registered (and the runner mirror filled) during `pulumi up`.
 *
 * Two functions, not one: the listener long-polls GitHub for most of every minute with reserved
 * concurrency 1 (one session per scale set); hosts' broker calls through the function URL must
 * never queue behind it or be throttled by that limit. The broker's own reserved concurrency
 * bounds how many containers share its part of GitHub's limits, so their sum stays under them.
 */
export class ControlPlane extends pulumi.ComponentResource {
  readonly brokerFunctionName: pulumi.Output<string>;
  readonly brokerFunctionArn: pulumi.Output<string>;
  readonly brokerUrl: pulumi.Output<string>;
  readonly listenerFunctionName: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly alarmNames: pulumi.Output<string>[];
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("ControlPlane", opts);
    super(type, name, {}, options);
    const parent = { parent: this };
    const { partition, region, account } = args.aws;
    const tags = { ...args.tags, "runner-fleet:part": "control-plane" };
    const scope = args.groupScope;
    const outside = args.pools.filter((p) => !p.asgName.startsWith(scope.namePrefix)).map((p) => p.asgName);
    if (outside.length) throw new Error(`ControlPlane ${name}: groups ${outside.join(", ")} do not start with the stack's prefix ${scope.namePrefix}`);
    const untagged = Object.entries(scope.tags).filter(([k, v]) => args.tags[k] !== v).map(([k]) => k);
    if (untagged.length) throw new Error(`ControlPlane ${name}: the stack's tags lack ${untagged.join(", ")}, which its groups carry and its grant is scoped by`);

    const logGroup = new aws.cloudwatch.LogGroup(name, { name: `/runner-fleet/${args.fleet}/control-plane`, retentionInDays: LOG_RETENTION_DAYS, tags }, parent);

    const role = new aws.iam.Role(name, { assumeRolePolicy: args.aws.servicePrincipal("lambda").apply((p) => JSON.stringify(lambdaTrust(p))), tags }, parent);
    const policy = new aws.iam.RolePolicy(
      name,
      {
        role: role.name,
        policy: pulumi.all([args.secretArn, args.bucketArn, logGroup.arn, partition, region, account, args.aws.dnsSuffix]).apply(([secretArn, bucketArn, logGroupArn, p, r, a, dnsSuffix]) =>
          JSON.stringify(
            controlPlanePolicy({
              region: r,
              dnsSuffix,
              secretArn,
              bucketArn,
              logGroupArn,
              poolGroups: { arn: asgArn({ partition: p, region: r, account: a, asgName: `${scope.namePrefix}*` }), tags: scope.tags },
              ...(args.kmsKeyArn ? { kmsKeyArn: args.kmsKeyArn } : {}),
            }),
          ),
        ),
      },
      parent,
    );

    const config = pulumi
      .all([region, args.secretArn, args.bucket, pulumi.all(args.hostRoleArns)])
      .apply(([r, credentialSecretArn, bucket, roles]) =>
        JSON.stringify(
          controlPlaneConfig({
            fleet: args.fleet,
            region: r,
            credentialSecretArn,
            bucket,
            githubApiUrl: args.githubApiUrl,
            pools: args.pools.map((pool) => ({ pool, hostRoleArn: roles[pool.name]! })),
          }),
        ),
      );
    const bundle = controlPlaneBundle();
    // The config rides in the code archive, not the environment (4 KB, about nine pools): one
    // deployment carries both, so a warm container never runs new code with an old config.
    const code = config.apply((c) => new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundle.code), [CONTROL_PLANE_CONFIG_FILE]: new pulumi.asset.StringAsset(c) }));
    const sizing = controlPlaneSizing(args.pools.length);
    const fn = (fnName: "broker" | "listener") =>
      new aws.lambda.Function(
        `${name}-${fnName}`,
        {
          description: `runner-fleet ${args.fleet} control plane: ${fnName}`,
          runtime: LAMBDA_RUNTIME,
          architectures: ["arm64"],
          handler: LAMBDA_HANDLER,
          code,
          role: role.arn,
          memorySize: sizing[fnName].memoryMiB,
          timeout: sizing[fnName].timeoutSeconds,
          // The listener: one run, one session per scale set. The broker: its share of GitHub's
          // limits is divided among at most this many containers (protocol/github-budget.ts).
          reservedConcurrentExecutions: fnName === "listener" ? 1 : BROKER_MAX_CONTAINERS,
          // Text, not JSON: the embedded-metric lines must reach CloudWatch as the JSON they are.
          loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
          tags,
        },
        // The role must be able to write logs and read the credential before the first call.
        { parent: this, dependsOn: [policy] },
      );
    const broker = fn("broker");
    const listener = fn("listener");

    // EventBridge invokes asynchronously: a listen event throttled behind a run still polling would
    // otherwise be queued and retried for hours. A minute-old tick is worthless; the next one comes.
    new aws.lambda.FunctionEventInvokeConfig(`${name}-listener`, { functionName: listener.name, maximumEventAgeInSeconds: 60, maximumRetryAttempts: 0 }, parent);

    const url = new aws.lambda.FunctionUrl(`${name}-broker`, { functionName: broker.name, authorizationType: "AWS_IAM" }, parent);

    // The listener's minute: EventBridge's own "Scheduled Event" (no input), which the control
    // plane's router answers with the long poll, the reaper and the mirror when it is due.
    const rule = new aws.cloudwatch.EventRule(`${name}-listen`, { description: `runner-fleet ${args.fleet}: listen, reap, mirror when due`, scheduleExpression: "rate(1 minute)", tags }, parent);
    new aws.lambda.Permission(`${name}-listen`, { action: "lambda:InvokeFunction", function: listener.name, principal: args.aws.servicePrincipal("events"), sourceArn: rule.arn }, parent);
    new aws.cloudwatch.EventTarget(`${name}-listen`, { rule: rule.name, arn: listener.arn }, parent);

    // Registration and the first mirror run through the broker function, which has no reserved
    // concurrency: a synchronous call to the listener would be throttled while it long-polls.
    const configHash = config.apply((c) => createHash("sha256").update(c).digest("hex"));
    const register: RegisterEvent = {
      action: "register",
      pools: [...args.pools].sort((a, b) => a.name.localeCompare(b.name)).map((p) => ({ name: p.name, scaleSetName: p.scaleSetName, runnerGroup: p.config.runnerGroup ?? "default", githubUrl: p.githubUrl })),
    };
    new aws.lambda.Invocation(
      `${name}-register`,
      { functionName: broker.name, input: JSON.stringify(register), lifecycleScope: "CRUD", triggers: { config: configHash, code: bundle.sha256 } },
      { parent: this, dependsOn: [policy, ...(args.dependsOn ?? [])] },
    );
    const mirror: MirrorEvent = { action: "mirror" };
    new aws.lambda.Invocation(`${name}-mirror`, { functionName: broker.name, input: JSON.stringify(mirror), triggers: { code: bundle.sha256 } }, { parent: this, dependsOn: [policy] });

    // By name, so reordering pools in the stack file changes no output.
    const byName = [...args.pools].sort((a, b) => a.name.localeCompare(b.name));
    this.alarmNames = byName.map(
      (pool) =>
        new aws.cloudwatch.MetricAlarm(`${name}-${pool.name}-job-wait`, { ...jobWaitAlarm(args.fleet, pool), tags }, parent).name,
    );
    const listenerErrors = new aws.cloudwatch.MetricAlarm(
      `${name}-listener-errors`,
      {
        // Errors counts crashes and timeouts (the router logs a failed poll instead of throwing);
        // missing data breaches, so a listener that stopped running alarms too.
        alarmDescription: `runner-fleet ${args.fleet}: the listener crashed, timed out or did not run for 5 minutes; pools do not follow demand`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: listener.name },
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 5,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
        tags,
      },
      parent,
    );
    this.alarmNames.push(listenerErrors.name);

    this.brokerFunctionName = broker.name;
    this.brokerFunctionArn = broker.arn;
    this.brokerUrl = url.functionUrl;
    this.listenerFunctionName = listener.name;
    this.logGroupName = logGroup.name;
    this.roleArn = role.arn;
    this.registerOutputs({
      brokerFunctionName: this.brokerFunctionName,
      brokerUrl: this.brokerUrl,
      listenerFunctionName: this.listenerFunctionName,
      logGroupName: this.logGroupName,
      alarmNames: this.alarmNames,
      metricNamespace: JOB_WAIT_METRIC.namespace,
      jobWaitMetric: JOB_WAIT_METRIC.name,
    });
  }
}
