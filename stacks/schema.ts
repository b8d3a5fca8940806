import { z } from "zod";
import { ARCHES, instanceTypeArch } from "./arch";
import { isScopeError, parseGithubUrl } from "./github-url";
import { DNS1123_LABEL, DNS1123_MAX, MAX_INSTANCES } from "./names";
import { crossCheck } from "./cross-checks";

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

const runnerGroup = z.string().min(1).max(255);

export const githubSchema = z
  .strictObject({
    url: z.string(),
    auth: z.enum(["app", "token"], { error: 'must be "app" (a GitHub App, recommended) or "token"' }),
    appId: appId.optional(),
    installationId: githubId.optional(),
  })
  .superRefine((g, ctx) => {
    const scope = parseGithubUrl(g.url);
    if (isScopeError(scope)) ctx.addIssue({ code: "custom", path: ["url"], message: scope.error });
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

export const clusterSchema = z.discriminatedUnion("type", [kindClusterSchema, existingClusterSchema], {
  error: 'type must be "kind" or "existing"',
});

export const arcSchema = z
  .strictObject({
    controllerNamespace: dnsName.default("arc-systems"),
    runnerNamespace: dnsName.default("arc-runners"),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    logFormat: z.enum(["text", "json"]).default("json"),
  })
  .prefault({});

export const CONTAINER_MODES = ["none", "dind", "kubernetes", "kubernetes-novolume"] as const;

export const runnerSetSchema = z
  .strictObject({
    name: dnsName,
    /** Unset: github.url. A repository, organisation or enterprise URL on the same host. */
    githubUrl: z.string().optional(),
    instances: z.number().int().min(1).max(MAX_INSTANCES).default(1),
    minRunners: z.number().int().min(0, "must be ≥ 0").default(0),
    /** 1 per instance by default: one runner owns an instance's cache volume at a time. */
    maxRunners: z.number().int().min(0, "must be ≥ 0").default(1),
    arch: arch.default("amd64"),
    labels,
    runnerGroup: runnerGroup.optional(),
    containerMode: z.enum(CONTAINER_MODES).default("none"),
    image: z.string().regex(/^[^\s]+$/, "must be an image reference").optional(),
    storage: z
      .strictObject({
        size: quantity.default("10Gi"),
        /** Unset on kind: a hostPath directory per instance; elsewhere the cluster's class. */
        storageClass: dnsName.optional(),
        mountPath: absolutePath.default("/home/runner/cache"),
      })
      .prefault({}),
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
  });

export const hostPoolSchema = z
  .strictObject({
    name: dnsName,
    /** Explicit, never guessed from the instance type; checked against every type below. */
    arch,
    instanceTypes: z
      .array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as "c7g.2xlarge"'))
      .min(1, "name at least one instance type"),
    runnersPerHost: z.number().int().min(1).max(64).default(1),
    labels,
    githubUrl: z.string().optional(),
    runnerGroup: runnerGroup.optional(),
    capacity: z
      .strictObject({
        min: z.number().int().min(0).default(0),
        desired: z.number().int().min(0).default(1),
        max: z.number().int().min(1).default(1),
      })
      .prefault({}),
    spot: z.boolean().default(false),
    ephemeral: z.boolean().default(true),
    os: z.enum(["al2023", "ubuntu"]).default("al2023"),
    rootVolumeGiB: z.number().int().min(20).max(16384).default(100),
    idleTimeoutMinutes: z.number().int().min(0).default(5),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id")).optional(),
    ssm: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    p.instanceTypes.forEach((t, i) => {
      const actual = instanceTypeArch(t);
      if (actual === undefined) {
        ctx.addIssue({ code: "custom", path: ["instanceTypes", i], message: `cannot tell the architecture of "${t}"` });
      } else if (actual !== p.arch) {
        ctx.addIssue({
          code: "custom",
          path: ["instanceTypes", i],
          message: `"${t}" is ${actual} but the pool's arch is ${p.arch}${p.arch === "arm64" ? " (Graviton families carry a g: c7g, m7g, t4g…)" : ""}`,
        });
      }
    });
    const { min, desired, max } = p.capacity;
    if (desired < min) ctx.addIssue({ code: "custom", path: ["capacity", "desired"], message: `must be ≥ min (${desired} < ${min})` });
    if (max < desired) ctx.addIssue({ code: "custom", path: ["capacity", "max"], message: `must be ≥ desired (${max} < ${desired})` });
  });

/** Keys of the stack file under the project namespace; the value is the zod schema of each. */
const stackConfigObject = z.strictObject({
  /** Guards what every set shares (cluster, controller) against deletion; declared in Pulumi.yaml. */
  protect: z.boolean().default(false),
  github: githubSchema,
  cluster: clusterSchema.optional(),
  arc: arcSchema,
  runnerSets: z.array(runnerSetSchema).default([]),
  hostPools: z.array(hostPoolSchema).default([]),
});

export const stackConfigSchema = stackConfigObject.superRefine(crossCheck);

/** The config keys this program reads (object-valued; the secret ones are in SECRET_KEYS). */
export const OBJECT_KEYS = Object.keys(stackConfigObject.shape) as (keyof typeof stackConfigObject.shape)[];

export type StackConfig = z.output<typeof stackConfigObject>;
export type GithubConfig = z.output<typeof githubSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type KindClusterConfig = z.output<typeof kindClusterSchema>;
export type ExistingClusterConfig = z.output<typeof existingClusterSchema>;
export type ArcConfig = z.output<typeof arcSchema>;
export type RunnerSetConfig = z.output<typeof runnerSetSchema>;
export type HostPoolConfig = z.output<typeof hostPoolSchema>;
export type ContainerMode = (typeof CONTAINER_MODES)[number];

/** Keys that hold credentials: only ever read as secrets. */
export const SECRET_KEYS = ["githubToken", "githubAppPrivateKey", "kubeconfig"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
