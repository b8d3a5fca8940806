import { z } from "zod";
import { plainScalarProblem } from "./plain-scalar";
import { ARCHES, instanceTypeArch, knownInstanceTypes, type Arch } from "./arch";
import { didYouMean } from "./suggest";
import { isGithubCloudHost, isScopeError, parseGithubUrl } from "./github-url";
import { DNS1123_LABEL, DNS1123_MAX, MAX_INSTANCES } from "./names";
import { EKS_VERSION } from "./versions";

/*
 * The one schema for every stack file. All static defaults live here; the only other place that
 * decides anything is cross-checks.ts (relations between keys) and model.ts (derived names).
 */

const dnsName = z
  .string()
  .max(DNS1123_MAX, `must be at most ${DNS1123_MAX} characters`)
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit");

const arch = z.enum(ARCHES, { error: 'must be "amd64" or "arm64"' });

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, 'must be a Kubernetes quantity such as "10Gi"');

const absolutePath = z.string().regex(/^\/[^\0]*$/, "must be an absolute path");

/** GitHub IDs are numbers, but the chart insists on strings: accept either, keep a string. */
const githubId = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/, "must be a numeric id")])
  .transform(String);

/** An App is named by its numeric id or its client id (`Iv1.…`, `Iv23…`). */
const appId = z
  .union([z.number().int().positive(), z.string().regex(/^(\d+|Iv[A-Za-z0-9.]+)$/, "must be a numeric App id or an App client id")])
  .transform(String);

const label = z
  .string()
  .min(1, "a label must not be empty")
  .max(255, "a label must be under 256 characters")
  .regex(/^[^,\s]*$/, "a label must not contain commas or whitespace");

/** GitHub compares labels case-insensitively, so `Kernel` and `kernel` are one label. */
const labels = z
  .array(label)
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((l, i) => {
      const prev = seen.get(l.toLowerCase());
      if (prev !== undefined) {
        ctx.addIssue({ code: "custom", path: [i], message: `duplicate label "${l}" (same as [${prev}]; labels are case-insensitive)` });
      } else seen.set(l.toLowerCase(), i);
    });
  })
  .default([]);

/** Shared by pools and runner sets: the same switch, the same words in both places. */
const selfHostedLabels = z
  .boolean()
  .default(true)
  .describe(
    "Also register the labels config.sh gives a classic self-hosted runner (self-hosted, linux, and X64 or ARM64 by arch), so " +
      "workflows written as `runs-on: [self-hosted, linux, ARM64]` reach this set unchanged. false: the set carries only its name and `labels`.",
  );

/** A value ARC's chart writes unquoted into the AutoscalingRunnerSet: it must read back as itself. */
const plainScalar = (s: string, ctx: z.RefinementCtx): void => {
  const problem = plainScalarProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
};
const runnerGroup = z.string().min(1).max(255).superRefine(plainScalar);

const instanceTypes = z
  .array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "c7g.2xlarge"'))
  .min(1, "name at least one instance type");

/** Every instance type must run the declared arch: checked, never guessed (a mismatch boots nothing). */
function checkInstanceArch(types: string[], declared: Arch, ctx: z.RefinementCtx, owner: string): void {
  types.forEach((t, i) => {
    const actual = instanceTypeArch(t);
    if (actual === undefined) {
      ctx.addIssue({ code: "custom", path: ["instanceTypes", i], message: `"${t}" is not an EC2 instance type a Linux runner can boot on (AWS's list, config/ec2-instance-types.json)${didYouMean(t, knownInstanceTypes())}` });
    } else if (actual !== declared) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceTypes", i],
        message: `"${t}" is ${actual} but the ${owner}'s arch is ${declared}${declared === "arm64" ? " (Graviton families carry a g: c7g, m7g, t4g…)" : ""}`,
      });
    }
  });
}

function checkRange(r: { min: number; desired: number; max: number }, ctx: z.RefinementCtx, at: string): void {
  if (r.desired < r.min) ctx.addIssue({ code: "custom", path: [at, "desired"], message: `must be ≥ min (${r.desired} < ${r.min})` });
  if (r.max < r.desired) ctx.addIssue({ code: "custom", path: [at, "max"], message: `must be ≥ desired (${r.max} < ${r.desired})` });
}

const range = (defaults: { min: number; desired: number; max: number }) =>
  z
    .strictObject({
      min: z.number().int().min(0).default(defaults.min),
      desired: z.number().int().min(0).default(defaults.desired),
      max: z.number().int().min(1).default(defaults.max),
    })
    .prefault({});

const subnetIds = z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id"));
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as "203.0.113.0/24"');

const taint = z.strictObject({
  key: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a Kubernetes label key"),
  value: z.string().max(63).optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

export const nodeGroupSchema = z
  .strictObject({
    name: dnsName,
    arch,
    instanceTypes,
    capacityType: z.enum(["on-demand", "spot"]).default("on-demand"),
    scaling: range({ min: 1, desired: 2, max: 4 }),
    diskGiB: z.number().int().min(20).max(16384).default(100),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(taint).default([]),
    /**
     * Only for privileged runner sets (dind, hostPath caches): the group is tainted and labelled
     * runner-fleet/privileged, those sets select it, and the ARC controller and listeners never run there.
     */
    privileged: z.boolean().default(false),
    /**
     * 1 keeps pods off the instance metadata service (and the node role's credentials); the EBS
     * CSI driver authenticates through IRSA, so nothing here needs 2. Raise it only with a reason.
     */
    imdsHopLimit: z.union([z.literal(1), z.literal(2)]).default(1),
    /** Why pods on this group need the metadata service; required with imdsHopLimit 2. */
    imdsHopLimitReason: z.string().min(10, "say why, in a sentence").optional(),
  })
  .superRefine((g, ctx) => {
    if (g.imdsHopLimit === 2 && g.imdsHopLimitReason === undefined) {
      ctx.addIssue({ code: "custom", path: ["imdsHopLimitReason"], message: "required with imdsHopLimit 2: pods reaching the node role is a deliberate choice" });
    }
    checkInstanceArch(g.instanceTypes, g.arch, ctx, "node group");
    checkRange(g.scaling, ctx, "scaling");
  });

/** GitHub refuses App authentication on every enterprise runner endpoint (`enabledForGitHubApps: false`). */
export const ENTERPRISE_APP_REFUSED =
  "GitHub refuses GitHub App authentication on enterprise runner endpoints: use auth: token with a token that has the manage_runners:enterprise scope";

/**
 * A GitHub Enterprise Server host. Scale-set labels beyond the name need 3.18+ with
 * DistributedTask.AllowRunnerScaleSetCustomLabels, on by default from 3.21; without it GitHub drops
 * them silently (actions/scaleset README), so routing must know.
 */
const enterpriseServerSchema = z
  .strictObject({
    version: z.string().regex(/^3\.\d+$/, 'must be a GHES feature release such as "3.21"'),
    /** The custom-labels flag; unset: on from 3.21, off before. */
    customLabels: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.customLabels === true && Number(e.version.split(".")[1]) < 18) {
      ctx.addIssue({ code: "custom", path: ["customLabels"], message: `GHES ${e.version} has no custom scale-set labels (3.18 added DistributedTask.AllowRunnerScaleSetCustomLabels)` });
    }
  });

export const githubSchema = z
  .strictObject({
    url: z.string().superRefine(plainScalar),
    /** "platform": a team stack uses the credential its platform stack exports. */
    auth: z.enum(["app", "token", "platform"], { error: 'must be "app" (a GitHub App, recommended), "token" or "platform"' }),
    appId: appId.optional(),
    installationId: githubId.optional(),
    enterpriseServer: enterpriseServerSchema.optional(),
  })
  .superRefine((g, ctx) => {
    const scope = parseGithubUrl(g.url);
    if (isScopeError(scope)) ctx.addIssue({ code: "custom", path: ["url"], message: scope.error });
    else if (g.enterpriseServer === undefined && !isGithubCloudHost(scope.host)) {
      ctx.addIssue({ code: "custom", path: ["url"], message: `${scope.host} is not github.com; for GitHub Enterprise Server declare it: enterpriseServer: { version: "3.21" }` });
    } else if (g.enterpriseServer !== undefined && isGithubCloudHost(scope.host)) {
      ctx.addIssue({ code: "custom", path: ["enterpriseServer"], message: `${scope.host} is GitHub's cloud, not an Enterprise Server; remove enterpriseServer` });
    }
    if (g.auth === "app" && !isScopeError(scope) && scope.kind === "enterprise") ctx.addIssue({ code: "custom", path: ["auth"], message: ENTERPRISE_APP_REFUSED });
    if (g.auth === "app") {
      if (g.appId === undefined) ctx.addIssue({ code: "custom", path: ["appId"], message: "required when auth is app" });
      if (g.installationId === undefined) {
        ctx.addIssue({ code: "custom", path: ["installationId"], message: "required when auth is app" });
      }
    } else {
      for (const k of ["appId", "installationId"] as const) {
        if (g[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], message: "only used when auth is app" });
      }
    }
  });

const kindClusterSchema = z.strictObject({
  type: z.literal("kind"),
  name: dnsName.default("runner-fleet"),
  /** Unset: the node image the installed kind release pins (with its digest). */
  nodeImage: z.string().regex(/^[^\s]+:[^\s]+$/, 'must be an image reference such as "kindest/node:v1.34.0"').optional(),
  workers: z.number().int().min(0).max(8).default(1),
  /** kind nodes run the host's architecture; say so on an arm64 workstation. */
  arch: arch.default("amd64"),
  cacheHostPath: absolutePath.default("/tmp/github-runner-cache"),
  /** kind ships the local-path provisioner as StorageClass "standard". */
  storageClass: dnsName.default("standard"),
});

const existingClusterSchema = z.strictObject({
  type: z.literal("existing"),
  /** A context of the operator's kubeconfig; unset: the secret `runner-fleet:kubeconfig`, else the current context. */
  context: z.string().min(1).optional(),
  archs: z.array(arch).min(1, "name at least one node architecture").default(["amd64"]),
  /** The class for per-instance caches and work volumes where a runner set names none. */
  storageClass: dnsName.optional(),
});

const eksClusterSchema = z
  .strictObject({
    type: z.literal("eks"),
    name: dnsName.default("runner-fleet"),
    version: z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.33"').default(EKS_VERSION),
    /** Off unless asked for: then the operator names the networks that may reach the API. */
    endpointPublicAccess: z.boolean().default(false),
    publicAccessCidrs: z.array(cidr).min(1).optional(),
    subnetIds: subnetIds.min(2, "EKS needs subnets in at least two availability zones").optional(),
    /** IAM principals given cluster-admin through EKS access entries (no aws-auth ConfigMap). */
    admins: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, "must be an IAM role or user ARN")).default([]),
    logTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default(["api", "audit", "authenticator"]),
    /** Envelope encryption of Secrets; unset: a key is created, with rotation on. */
    kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, "must be a KMS key ARN").optional(),
    storageClass: dnsName.default("gp3"),
    nodeGroups: z.array(nodeGroupSchema).min(1, "name at least one node group"),
  })
  .superRefine((c, ctx) => {
    if (c.endpointPublicAccess && c.publicAccessCidrs === undefined) {
      ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: 'required when endpointPublicAccess is true (use ["0.0.0.0/0"] to allow any network, deliberately)' });
    }
    if (!c.endpointPublicAccess && c.publicAccessCidrs !== undefined) {
      ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: "only used when endpointPublicAccess is true" });
    }
    const seen = new Map<string, number>();
    c.nodeGroups.forEach((g, i) => {
      const prev = seen.get(g.name);
      if (prev !== undefined) ctx.addIssue({ code: "custom", path: ["nodeGroups", i, "name"], message: `duplicate name "${g.name}", already used by nodeGroups[${prev}]` });
      seen.set(g.name, i);
    });
    if (c.nodeGroups.every((g) => g.taints.some((t) => t.effect !== "PreferNoSchedule"))) {
      ctx.addIssue({ code: "custom", path: ["nodeGroups"], message: "every node group is tainted; the ARC controller, its listeners and CoreDNS need one without NoSchedule/NoExecute taints" });
    }
  });

export const clusterSchema = z.discriminatedUnion("type", [kindClusterSchema, existingClusterSchema, eksClusterSchema], {
  error: 'type must be "kind", "eks" or "existing"',
});

export const arcSchema = z
  .strictObject({
    controllerNamespace: dnsName.default("arc-systems"),
    runnerNamespace: dnsName.default("arc-runners"),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    logFormat: z.enum(["text", "json"]).default("json"),
    /** Prometheus metrics from the controller and every listener (the chart's `metrics` values): on unless turned off. */
    metrics: z.boolean().default(true),
    /** The cluster runs the Prometheus operator: scrape the controller (Service + ServiceMonitor) and the listeners (PodMonitor). */
    prometheusOperator: z.boolean().default(false),
  })
  .prefault({});

export const CONTAINER_MODES = ["none", "dind", "kubernetes", "kubernetes-novolume"] as const;

/** The modes whose jobs run in a pod of their own, shaped by the runner's container hooks. */
export const JOB_POD_MODES: readonly ContainerMode[] = ["kubernetes", "kubernetes-novolume"];

/** A branch name as GitHub shows it: it is written into the cache-scope hook script, so no quotes or spaces. */
const branchName = z.string().regex(/^[A-Za-z0-9._/-]+$/, "must be a branch name (letters, digits, '.', '_', '/', '-')");

export const storageSchema = z
  .strictObject({
    size: quantity.default("10Gi"),
    /** Unset on kind: a hostPath directory per instance; elsewhere the cluster's class. */
    storageClass: dnsName.optional(),
    /** Where jobs read the cache ($RUNNER_FLEET_CACHE_DIR). */
    mountPath: absolutePath.default("/home/runner/cache"),
    /** kubernetes modes, scoped: where a job not allowed to write the shared part writes its own ($RUNNER_FLEET_CACHE_WRITE_DIR). */
    writeMountPath: absolutePath.default("/home/runner/cache-write"),
    /**
     * kubernetes modes: push, schedule and workflow_dispatch jobs on this branch write the part
     * every job of the repository reads (actions/cache's default-branch scope); every other job
     * (pull requests, other refs, issue and comment triggers) writes a part of its own.
     */
    defaultBranch: branchName.default("main"),
    /**
     * Every job this set can run (every repository, workflow, ref and trigger its runner group
     * admits) is trusted with what every later job of the instance reads: one cache, written by
     * all, with no scoping. Required for a cache where jobs run in the runner container (none,
     * dind). Say it only for a runner group restricted to selected repositories and workflows.
     */
    oneTrustDomain: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (s.writeMountPath === s.mountPath) ctx.addIssue({ code: "custom", path: ["writeMountPath"], message: "must differ from mountPath (the shared part is mounted read-only there)" });
  });

export type StorageConfig = z.output<typeof storageSchema>;

/** The set's cache settings, or undefined when it keeps no cache (see runnerSetSchema's storage). */
export function cacheStorage(set: { containerMode: ContainerMode; storage?: StorageConfig | undefined }): StorageConfig | undefined {
  if (set.storage !== undefined) return set.storage;
  return JOB_POD_MODES.includes(set.containerMode) ? storageSchema.parse({}) : undefined;
}

export const runnerSetSchema = z
  .strictObject({
    name: dnsName,
    /** Unset: github.url. A repository, organisation or enterprise URL on the same host. */
    githubUrl: z.string().superRefine(plainScalar).optional(),
    instances: z.number().int().min(1).max(MAX_INSTANCES).default(1),
    minRunners: z.number().int().min(0, "must be ≥ 0").default(0),
    /** 1 per instance by default: one runner owns an instance's cache volume at a time. */
    maxRunners: z.number().int().min(1, "must be ≥ 1: a set with maxRunners 0 can never run a job (remove the set to stop it)").default(1),
    arch: arch.default("amd64"),
    labels,
    selfHostedLabels,
    runnerGroup: runnerGroup.optional(),
    /** Publish the instance count and name stem as Actions variables, for `runs-on` routing without hard-coded N. */
    publishRouting: z.boolean().default(false),
    containerMode: z.enum(CONTAINER_MODES).default("none"),
    image: z.string().regex(/^[^\s]+$/, "must be an image reference").optional(),
    /**
     * The instance's cache. Unset: one scoped by ref in the kubernetes modes, none where jobs run in
     * the runner container (none, dind), which has no boundary between a job and the cache.
     */
    storage: storageSchema.optional(),
    /** The per-job volume of containerMode kubernetes. */
    workVolume: z
      .strictObject({
        size: quantity.default("5Gi"),
        storageClass: dnsName.optional(),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    if (s.maxRunners < s.minRunners) {
      ctx.addIssue({ code: "custom", path: ["maxRunners"], message: `must be ≥ minRunners (${s.maxRunners} < ${s.minRunners})` });
    }
    if (s.storage !== undefined && !s.storage.oneTrustDomain && !JOB_POD_MODES.includes(s.containerMode)) {
      ctx.addIssue({
        code: "custom",
        path: ["storage"],
        message:
          `containerMode ${s.containerMode} runs each job in the runner container, where it can write the instance's cache and the next job (another pull request, issue or repository) reads it. ` +
          "Remove storage (no cache), use containerMode kubernetes (the cache scoped by ref), or set storage.oneTrustDomain: true if every job this set can run is trusted alike (a runner group restricted to selected repositories and workflows; docs/security.md)",
      });
    }
  });

export const WARM_POOL_STATES = ["Stopped", "Running", "Hibernated"] as const;
export const DOCKER_MODES = ["rootless", "rootful", "none"] as const;
/** `debian` (Debian 13, trixie) is the default and what the booted-host tests boot, as is `debian-12`; `ubuntu` (24.04) and `al2023` are never booted here. */
export const HOST_OSES = ["debian", "debian-12", "ubuntu", "al2023"] as const;

/** Docker, recycling and warm pools constrain each other; each issue names the key to change. */
function checkPoolRuntime(
  p: { os: (typeof HOST_OSES)[number]; runnersPerHost: number; ephemeral: boolean; recycleAfterJob: boolean; docker: (typeof DOCKER_MODES)[number]; spot: boolean; instanceTypes: string[]; warmIdleRunners: number; capacity: { max: number }; warmPool?: { size: number } | undefined },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: "custom", path, message });
  if (p.docker === "rootful" && !(p.runnersPerHost === 1 && p.recycleAfterJob)) {
    issue(["docker"], "rootful docker gives every job root on the host: only with runnersPerHost: 1 and recycleAfterJob: true (or use rootless)");
  }
  if (p.os === "al2023" && p.docker === "rootless") {
    // rootlesskit and slirp4netns are in none of Amazon Linux 2023's package lists we could check:
    // refused here rather than failing on every host's first boot.
    issue(["docker"], 'rootless docker needs rootlesskit and slirp4netns, which Amazon Linux 2023\'s repositories do not offer: use os: debian (the default), or docker: "none" on al2023');
  }
  if (p.recycleAfterJob && p.runnersPerHost !== 1) issue(["recycleAfterJob"], `needs runnersPerHost: 1 (got ${p.runnersPerHost}); a recycled host would end its other slots' jobs`);
  if (p.recycleAfterJob && !p.ephemeral) issue(["recycleAfterJob"], "needs ephemeral: true; a persistent runner outlives its job by design");
  if (p.warmIdleRunners > p.capacity.max * p.runnersPerHost) {
    issue(["warmIdleRunners"], `must be ≤ capacity.max × runnersPerHost (${p.warmIdleRunners} > ${p.capacity.max * p.runnersPerHost})`);
  }
  if (p.warmPool) {
    // PutWarmPool refuses groups with a mixed instances policy or Spot requests (Auto Scaling API reference).
    if (p.spot) issue(["warmPool"], "AWS refuses warm pools on groups that request Spot Instances; set spot: false or drop warmPool");
    if (p.instanceTypes.length !== 1) issue(["instanceTypes"], `a pool with warmPool launches one instance type (AWS refuses warm pools with a mixed instances policy); got ${p.instanceTypes.length}`);
  }
}

/** A git server the keeper may fetch from: https, an origin only (no path, credentials, query). */
function httpsOrigin(v: string, ctx: z.RefinementCtx): void {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a URL: "${v}"` });
    return;
  }
  if (u.protocol !== "https:") ctx.addIssue({ code: "custom", message: `must be an https:// origin, got "${v}" (the keeper sends the job's token to it)` });
  else if (u.username || u.password || u.search || u.hash || (u.pathname !== "/" && u.pathname !== "")) ctx.addIssue({ code: "custom", message: `must be an origin only (https://host[:port]), got "${v}"` });
}

export const hostPoolSchema = z
  .strictObject({
    name: dnsName,
    /** Explicit, never guessed from the instance type; checked against every type below. */
    arch,
    instanceTypes,
    runnersPerHost: z.number().int().min(1).max(64).default(1),
    labels,
    selfHostedLabels,
    githubUrl: z.string().optional(),
    /**
     * The git servers the hosts' git keeper fetches from for the checkout action (https origins).
     * Unset: the origin of the pool's GitHub URL (github.com, or the GHES host).
     */
    gitServers: z.array(z.string().superRefine(httpsOrigin)).min(1, "list at least one server, or leave it unset (the pool's GitHub host)").optional(),
    runnerGroup: runnerGroup.optional(),
    capacity: range({ min: 0, desired: 1, max: 1 }),
    spot: z.boolean().default(false),
    /** With spot: this many instances stay on-demand whatever spot capacity does. */
    onDemandBase: z.number().int().min(0).default(0),
    ephemeral: z.boolean().default(true),
    /** Work directories older than this are removed (a running job's never are). */
    workMaxAgeHours: z.number().int().min(1).max(720).default(24),
    /** Scheduled capacity changes, e.g. down to 0 at night. */
    schedules: z
      .array(
        z.strictObject({
          name: dnsName,
          recurrence: z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "0 20 * * 1-5"'),
          timeZone: z.string().default("UTC"),
          min: z.number().int().min(0).optional(),
          desired: z.number().int().min(0).optional(),
          max: z.number().int().min(0).optional(),
        }),
      )
      .default([]),
    os: z.enum(HOST_OSES, { error: 'must be "debian" (Debian 13), "debian-12", "ubuntu" or "al2023"' }).default("debian"),
    rootVolumeGiB: z.number().int().min(20).max(16384).default(100),
    idleTimeoutMinutes: z.number().int().min(0).default(5),
    subnetIds: subnetIds.optional(),
    /**
     * A public IP: needed in the default VPC (no NAT) that the quick start uses; unset means "only
     * when no subnets are given". Inbound stays closed either way (no ingress rules).
     */
    publicIp: z.boolean().optional(),
    ssm: z.boolean().default(false),
    /**
     * Pre-initialised hosts beside the group: the agent installs while the instance is Warmed:*,
     * so a scale-out only has to start (Stopped, Hibernated) or hand over (Running) a host.
     */
    warmPool: z
      .strictObject({
        size: z.number().int().min(0).max(1000).default(1),
        state: z.enum(WARM_POOL_STATES, { error: 'must be "Stopped", "Running" or "Hibernated"' }).default("Stopped"),
      })
      .optional(),
    /** "rootless": a daemon per slot, no job reaches another's containers. "rootful": one root daemon (one slot, recycled hosts only). */
    docker: z.enum(DOCKER_MODES, { error: 'must be "rootless", "rootful" or "none"' }).default("rootless"),
    /** Terminate the host after each job (the one-VM-per-job model); needs runnersPerHost 1 and ephemeral. */
    recycleAfterJob: z.boolean().default(false),
    /** Idle runners the control plane keeps ready beyond assigned jobs. */
    warmIdleRunners: z.number().int().min(0).default(0),
    /** A host that has not asked the broker for a runner this long after launch is terminated and reported. */
    registrationDeadlineMinutes: z.number().int().min(2).max(120).default(15),
    /** Alarm when a job of this pool waits longer than this for a runner. */
    jobWaitAlarmMinutes: z.number().int().min(1).max(1440).default(10),
  })
  .superRefine((p, ctx) => {
    checkInstanceArch(p.instanceTypes, p.arch, ctx, "pool");
    checkPoolRuntime(p, ctx);
    checkRange(p.capacity, ctx, "capacity");
    if (p.onDemandBase > p.capacity.max) ctx.addIssue({ code: "custom", path: ["onDemandBase"], message: `must be ≤ capacity.max (${p.onDemandBase} > ${p.capacity.max})` });
    p.schedules.forEach((sc, i) => {
      if (sc.min === undefined && sc.desired === undefined && sc.max === undefined) {
        ctx.addIssue({ code: "custom", path: ["schedules", i], message: "set at least one of min, desired, max" });
      }
      if (sc.min !== undefined && sc.max !== undefined && sc.min > sc.max) ctx.addIssue({ code: "custom", path: ["schedules", i, "max"], message: `must be ≥ min (${sc.max} < ${sc.min})` });
    });
  });

export const runnerGroupSchema = z.strictObject({
  /** The group's name in GitHub, verbatim; scale sets and pools name it in runnerGroup. */
  name: runnerGroup,
  visibility: z.enum(["all", "selected", "private"]).default("selected"),
  /** Repositories of the organisation that may use the group (visibility: selected). */
  repositories: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, "must be a repository name of the organisation")).default([]),
  /** Restrict the group to these workflows ("org/repo/.github/workflows/ci.yml@refs/heads/main"). */
  workflows: z.array(z.string().min(1)).optional(),
  /** Public repositories can run anyone's code on these runners: refused unless said here. */
  allowPublicRepositories: z.boolean().default(false),
});

/**
 * A team a platform stack serves: the platform makes the team's namespaces, its credential Secret
 * and a namespace-scoped identity, so the team stack needs neither the organisation's key nor an
 * admin kubeconfig.
 */
export const teamSchema = z.strictObject({
  name: dnsName.max(20, "must be at most 20 characters (it prefixes other names)"),
  /** platform: the platform puts its credential Secret in the team's namespaces. own: the team stack brings its credential. */
  credential: z.enum(["platform", "own"]).default("platform"),
  /** May the team run privileged sets (dind, hostPath caches)? They get <team>-runners-privileged. */
  privileged: z.boolean().default(false),
  /** The team's runner groups, made by the platform (a team on the platform's credential cannot). */
  runnerGroups: z.array(runnerGroupSchema).default([]),
  /**
   * Labels the team's scale sets may register beyond `<team>-…` and the self-hosted defaults; the
   * cluster refuses any other (a generic label would take jobs written for other runners).
   */
  labels: labels,
});

/** Keys of the stack file under the project namespace; the value is the zod schema of each. */
export const stackConfigObject = z.strictObject({
  /** A team stack: its name prefixes every name it makes, so two teams never collide. */
  team: dnsName.max(20, "must be at most 20 characters (it prefixes other names)").optional(),
  /** `<org>/<project>/<stack>` of the platform stack whose cluster, controller and credential a team stack uses. */
  platform: z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, "must be <org>/<project>/<stack>").optional(),
  runnerGroups: z.array(runnerGroupSchema).default([]),
  /** A platform stack's teams (team stacks name this stack as their platform). */
  teams: z.array(teamSchema).default([]),
  /** Guards what every set shares (cluster, controller) against deletion; declared in Pulumi.yaml. */
  protect: z.boolean().default(false),
  github: githubSchema,
  cluster: clusterSchema.optional(),
  arc: arcSchema,
  runnerSets: z.array(runnerSetSchema).default([]),
  hostPools: z.array(hostPoolSchema).default([]),
  /** A customer KMS key for the credential in Secrets Manager; unset: the AWS-managed key. */
  credentialKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, "must be a KMS key ARN").optional(),
});

/** The config keys this program reads (object-valued; the secret ones are in SECRET_KEYS). */
export const OBJECT_KEYS = Object.keys(stackConfigObject.shape) as (keyof typeof stackConfigObject.shape)[];

export type StackConfig = z.output<typeof stackConfigObject>;
export type GithubConfig = z.output<typeof githubSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type KindClusterConfig = z.output<typeof kindClusterSchema>;
export type ExistingClusterConfig = z.output<typeof existingClusterSchema>;
export type EksClusterConfig = z.output<typeof eksClusterSchema>;
export type NodeGroupConfig = z.output<typeof nodeGroupSchema>;
export type ArcConfig = z.output<typeof arcSchema>;
export type RunnerSetConfig = z.output<typeof runnerSetSchema>;
export type HostPoolConfig = z.output<typeof hostPoolSchema>;
export type RunnerGroupConfig = z.output<typeof runnerGroupSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type ContainerMode = (typeof CONTAINER_MODES)[number];

/** Keys that hold credentials: only ever read as secrets. */
export const SECRET_KEYS = ["githubToken", "githubAppPrivateKey", "kubeconfig"] as const;
