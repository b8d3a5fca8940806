// Generated from config/schema.ts and config/descriptions.ts by `npm run docs:config`; do not edit.
// The shapes Pulumi's component analyzer accepts: interfaces, string enums as `as const` objects.

export const RunnerGroupVisibility = {
  all: "all",
  selected: "selected",
  private: "private",
} as const;
export type RunnerGroupVisibility = (typeof RunnerGroupVisibility)[keyof typeof RunnerGroupVisibility];

export const TeamCredential = {
  platform: "platform",
  own: "own",
} as const;
export type TeamCredential = (typeof TeamCredential)[keyof typeof TeamCredential];

export const GithubAuth = {
  app: "app",
  token: "token",
  platform: "platform",
} as const;
export type GithubAuth = (typeof GithubAuth)[keyof typeof GithubAuth];

export const ClusterType = {
  kind: "kind",
  existing: "existing",
  eks: "eks",
} as const;
export type ClusterType = (typeof ClusterType)[keyof typeof ClusterType];

export const Arch = {
  amd64: "amd64",
  arm64: "arm64",
} as const;
export type Arch = (typeof Arch)[keyof typeof Arch];

export const EksLogType = {
  api: "api",
  audit: "audit",
  authenticator: "authenticator",
  controllerManager: "controllerManager",
  scheduler: "scheduler",
} as const;
export type EksLogType = (typeof EksLogType)[keyof typeof EksLogType];

export const CapacityType = {
  onDemand: "on-demand",
  spot: "spot",
} as const;
export type CapacityType = (typeof CapacityType)[keyof typeof CapacityType];

export const TaintEffect = {
  NoSchedule: "NoSchedule",
  PreferNoSchedule: "PreferNoSchedule",
  NoExecute: "NoExecute",
} as const;
export type TaintEffect = (typeof TaintEffect)[keyof typeof TaintEffect];

export const ArcLogLevel = {
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
} as const;
export type ArcLogLevel = (typeof ArcLogLevel)[keyof typeof ArcLogLevel];

export const ArcLogFormat = {
  text: "text",
  json: "json",
} as const;
export type ArcLogFormat = (typeof ArcLogFormat)[keyof typeof ArcLogFormat];

export const ContainerMode = {
  none: "none",
  dind: "dind",
  kubernetes: "kubernetes",
  kubernetesNovolume: "kubernetes-novolume",
} as const;
export type ContainerMode = (typeof ContainerMode)[keyof typeof ContainerMode];

export const HostOs = {
  debian: "debian",
  debian12: "debian-12",
  ubuntu: "ubuntu",
  al2023: "al2023",
} as const;
export type HostOs = (typeof HostOs)[keyof typeof HostOs];

export const WarmPoolState = {
  Stopped: "Stopped",
  Running: "Running",
  Hibernated: "Hibernated",
} as const;
export type WarmPoolState = (typeof WarmPoolState)[keyof typeof WarmPoolState];

export const DockerMode = {
  rootless: "rootless",
  rootful: "rootful",
  none: "none",
} as const;
export type DockerMode = (typeof DockerMode)[keyof typeof DockerMode];

/** A whole fleet, as a stack file describes it (every key of `runner-fleet:*` but a team stack's own). */
export interface FleetConfigArgs {
  /** Organisation runner groups this stack makes; runner sets and host pools name them in `runnerGroup`. Default: `[]`. */
  runnerGroups?: RunnerGroupArgs[];
  /** A platform stack's teams: for each, the platform makes its namespaces, its credential Secret and a namespace-scoped identity; team stacks name this stack as their platform. Default: `[]`. */
  teams?: TeamArgs[];
  /** Protect what every set shares (the cluster and the ARC controller) from deletion. Default: `false`. */
  protect?: boolean;
  /** Where runners register and how the program authenticates to GitHub. */
  github: GithubArgs;
  /** The Kubernetes cluster for ARC runner sets; unset: no cluster (host pools only). */
  cluster?: ClusterArgs;
  /** The ARC controller (chart gha-runner-scale-set-controller) and where runners run. Default: `{}`. */
  arc?: ArcArgs;
  /** ARC runner scale sets on the cluster. Default: `[]`. */
  runnerSets?: RunnerSetArgs[];
  /** EC2 runner host pools, each a GitHub runner scale set served by the control plane (needs `aws:region`). Default: `[]`. */
  hostPools?: HostPoolArgs[];
  /** A customer KMS key for the credential in Secrets Manager; unset: the AWS-managed key. */
  credentialKmsKeyArn?: string;
}

/** Organisation runner groups this stack makes; runner sets and host pools name them in `runnerGroup`. */
export interface RunnerGroupArgs {
  /** The group's name in GitHub, verbatim. */
  name: string;
  /** Which repositories of the organisation may use the group. Default: `"selected"`. */
  visibility?: RunnerGroupVisibility;
  /** Repositories of the organisation that may use the group (with visibility `selected`). Default: `[]`. */
  repositories?: string[];
  /** Restrict the group to these workflows (`org/repo/.github/workflows/ci.yml@refs/heads/main`); unset: any workflow. */
  workflows?: string[];
  /** Let public repositories use the group. Public repositories can run anyone's code on these runners, so this is refused unless set. Default: `false`. */
  allowPublicRepositories?: boolean;
}

/** A platform stack's teams: for each, the platform makes its namespaces, its credential Secret and a namespace-scoped identity; team stacks name this stack as their platform. */
export interface TeamArgs {
  /** The team's name (prefixes its namespaces and names). At most 20 characters. */
  name: string;
  /** `platform`: the platform puts its credential Secret in the team's namespaces. `own`: the team stack brings its own credential. Default: `"platform"`. */
  credential?: TeamCredential;
  /** May the team run privileged sets (dind, hostPath caches)? They get a namespace `<team>-runners-privileged`. Default: `false`. */
  privileged?: boolean;
  /** The team's runner groups, made by the platform (a team on the platform's credential cannot make them). On the platform's credential the cluster refuses a team's scale set in any other group, or in none (the Default group). Default: `[]`. */
  runnerGroups?: RunnerGroupArgs[];
  /** Labels the team's scale sets may register besides names starting with `<team>-` and the self-hosted defaults (`self-hosted`, `linux`, `X64`, `ARM64`), as written; the cluster refuses any other. Default: `[]`. */
  labels?: string[];
}

/** Where runners register and how the program authenticates to GitHub. */
export interface GithubArgs {
  /** A repository, organisation (`https://github.com/<org>`) or enterprise (`…/enterprises/<slug>`) URL, on github.com or a GHES host. */
  url: string;
  /** `app`: a GitHub App (recommended; set `githubAppPrivateKey`). `token`: a token allowed to manage runners (set `githubToken`). `platform`: a team stack using its platform's credential. */
  auth: GithubAuth;
  /** The GitHub App's numeric id or client id (`Iv1.…`); required with auth `app`. */
  appId?: string;
  /** The App installation's numeric id; required with auth `app`. */
  installationId?: string;
  /** A GitHub Enterprise Server host: its version decides whether scale-set labels beyond the name are honoured (docs/routing.md). */
  enterpriseServer?: GithubEnterpriseServerArgs;
}

/** GithubEnterpriseServerArgs */
export interface GithubEnterpriseServerArgs {
  /** The server's version, `3.<minor>`: from 3.21 extra scale-set labels are on by default. */
  version: string;
  /** Whether `DistributedTask.AllowRunnerScaleSetCustomLabels` is on (3.18–3.20); unset: on from 3.21. Without it GitHub keeps only the set's name. */
  customLabels?: boolean;
}

/** The Kubernetes cluster for ARC runner sets; unset: no cluster (host pools only). */
export interface ClusterArgs {
  /** `kind`: a local kind cluster. `eks`: an EKS cluster made here. `existing`: a cluster reached by kubeconfig. */
  type: ClusterType;
  /** The cluster's name. Default: `"runner-fleet"` (kind); `"runner-fleet"` (eks). Only with cluster type `kind`, `eks`. */
  name?: string;
  /** The kind node image (`kindest/node:v1.34.0`); unset: the image the installed kind release pins, with its digest. Only with cluster type `kind`. */
  nodeImage?: string;
  /** kind worker nodes besides the control plane. Default: `1` (kind). Only with cluster type `kind`. */
  workers?: number;
  /** The architecture kind's nodes run: the host's; say arm64 on an arm64 workstation. Default: `"amd64"` (kind). Only with cluster type `kind`. */
  arch?: Arch;
  /** Where per-instance caches live on the kind host (`<cacheHostPath>/<scale-set>`), surviving pod and cluster re-creation. Default: `"/tmp/github-runner-cache"` (kind). Only with cluster type `kind`. */
  cacheHostPath?: string;
  /** The StorageClass for per-instance caches and work volumes where a runner set names none (kind ships `standard`, the local-path provisioner; on existing clusters unset means a hostPath cache). Default: `"standard"` (kind); `"gp3"` (eks). */
  storageClass?: string;
  /** A context of the operator's kubeconfig; unset: the secret `runner-fleet:kubeconfig`, else the current context. Only with cluster type `existing`. */
  context?: string;
  /** The node architectures the existing cluster has; a runner set's arch must be among them. Default: `["amd64"]` (existing). Only with cluster type `existing`. */
  archs?: Arch[];
  /** The EKS Kubernetes minor version. Default: `"1.33"` (eks). Only with cluster type `eks`. */
  version?: string;
  /** Expose the EKS API endpoint publicly; then `publicAccessCidrs` names the networks that may reach it. Default: `false` (eks). Only with cluster type `eks`. */
  endpointPublicAccess?: boolean;
  /** IPv4 CIDRs allowed to reach a public EKS endpoint; required with `endpointPublicAccess`. Only with cluster type `eks`. */
  publicAccessCidrs?: string[];
  /** Subnets for the EKS cluster, in at least two availability zones; unset: the default VPC's. Only with cluster type `eks`. */
  subnetIds?: string[];
  /** IAM role or user ARNs given cluster-admin through EKS access entries (no aws-auth ConfigMap). Default: `[]` (eks). Only with cluster type `eks`. */
  admins?: string[];
  /** EKS control-plane log types sent to CloudWatch. Default: `["api","audit","authenticator"]` (eks). Only with cluster type `eks`. */
  logTypes?: EksLogType[];
  /** A KMS key for envelope encryption of Secrets; unset: a key is created, with rotation on. Only with cluster type `eks`. */
  kmsKeyArn?: string;
  /** The EKS managed node groups; at least one must have no NoSchedule/NoExecute taint (the controller, listeners and CoreDNS run there). Only with cluster type `eks`. */
  nodeGroups?: NodeGroupArgs[];
}

/** The EKS managed node groups; at least one must have no NoSchedule/NoExecute taint (the controller, listeners and CoreDNS run there). */
export interface NodeGroupArgs {
  /** The node group's name (a DNS-1123 label). */
  name: string;
  /** The architecture of the group's instance types; checked against each of them, never guessed. */
  arch: Arch;
  /** EC2 instance types for the group (`c7g.2xlarge`). */
  instanceTypes: string[];
  /** On-demand or Spot instances. Default: `"on-demand"`. */
  capacityType?: CapacityType;
  /** The group's size. Default: `{}`. */
  scaling?: NodeGroupScalingArgs;
  /** Root volume size of each node, GiB. Default: `100`. */
  diskGiB?: number;
  /** Kubernetes labels on the group's nodes. Default: `{}`. */
  labels?: { [key: string]: string };
  /** Kubernetes taints on the group's nodes. Default: `[]`. */
  taints?: TaintArgs[];
  /** Only for privileged runner sets (dind, hostPath caches): the group is tainted and labelled runner-fleet/privileged, those sets select it, and the controller and listeners never run there. Default: `false`. */
  privileged?: boolean;
  /** The instance metadata hop limit: 1 keeps pods off the metadata service and the node role's credentials (the EBS CSI driver uses IRSA). 2 only with a reason. Default: `1`. */
  imdsHopLimit?: number;
  /** Why pods on this group need the metadata service; required with imdsHopLimit 2. */
  imdsHopLimitReason?: string;
}

/** The group's size. */
export interface NodeGroupScalingArgs {
  /** Fewest nodes. Default: `1`. */
  min?: number;
  /** Nodes at creation; must be between min and max. Default: `2`. */
  desired?: number;
  /** Most nodes. Default: `4`. */
  max?: number;
}

/** Kubernetes taints on the group's nodes. */
export interface TaintArgs {
  /** The taint's key (a Kubernetes label key). */
  key: string;
  /** The taint's value. */
  value?: string;
  /** What the taint does to pods that do not tolerate it. */
  effect: TaintEffect;
}

/** The ARC controller (chart gha-runner-scale-set-controller) and where runners run. */
export interface ArcArgs {
  /** The controller's namespace (its listeners run there too). Default: `"arc-systems"`. */
  controllerNamespace?: string;
  /** The namespace of the runner pods (privileged sets get `<runnerNamespace>-privileged`). Default: `"arc-runners"`. */
  runnerNamespace?: string;
  /** The controller's log level. Default: `"info"`. */
  logLevel?: ArcLogLevel;
  /** The controller's log format. Default: `"json"`. */
  logFormat?: ArcLogFormat;
  /** Prometheus metrics from the controller and every listener (the chart's `metrics` values): on unless turned off. Default: `true`. */
  metrics?: boolean;
  /** The cluster runs the Prometheus operator: scrape the controller (Service + ServiceMonitor) and the listeners (PodMonitor). Default: `false`. */
  prometheusOperator?: boolean;
}

/** ARC runner scale sets on the cluster. */
export interface RunnerSetArgs {
  /** The stable key: every resource name derives from it, never from list order. Scale sets are `<name>` or `<name>-1..N`; a name too long for ARC's 45 characters gets a stable hash. */
  name: string;
  /** Where this set's runners register; unset: `github.url`. A repository, organisation or enterprise URL on the same host. */
  githubUrl?: string;
  /** How many scale sets of this shape, each with its own cache volume (`<name>-1..N`). Default: `1`. */
  instances?: number;
  /** Runners kept up per instance when no job waits. Default: `0`. */
  minRunners?: number;
  /** Most runners per instance; 1 means one runner owns an instance's cache at a time. Default: `1`. */
  maxRunners?: number;
  /** The node architecture the runners need (`kubernetes.io/arch` node selector); the cluster must have it. Default: `"amd64"`. */
  arch?: Arch;
  /** The scale set's labels (`scaleSetLabels`); a job's `runs-on` must be a subset. No two sets or pools may serve overlapping label sets. Case-insensitive, no commas or whitespace. Default: `[]`. */
  labels?: string[];
  /** Also register `self-hosted`, `linux` and `X64`/`ARM64` on every instance's scale set (ARC's `scaleSetLabels`), so classic multi-label workflows reach it. Default: `true`. */
  selfHostedLabels?: boolean;
  /** The runner group the scale sets join (organisation and enterprise URLs only). */
  runnerGroup?: string;
  /** Publish the instance count and name stem as Actions variables, for `runs-on` routing without a hard-coded N. Default: `false`. */
  publishRouting?: boolean;
  /** How jobs run containers: `none`; `dind` (a privileged Docker sidecar); `kubernetes` (job pods, with a work volume claim); `kubernetes-novolume`. Default: `"none"`. */
  containerMode?: ContainerMode;
  /** A runner image to pin; unset: ARC's default `ghcr.io/actions/actions-runner:latest`, which stays current. A pin is checked against GitHub's 30-day update window. */
  image?: string;
  /** Each instance's cache volume, mounted in the runner (and in job pods) at `mountPath`. */
  storage?: RunnerSetStorageArgs;
  /** The per-job volume of containerMode kubernetes. Default: `{}`. */
  workVolume?: RunnerSetWorkVolumeArgs;
}

/** Each instance's cache volume, mounted in the runner (and in job pods) at `mountPath`. */
export interface RunnerSetStorageArgs {
  /** The cache size (a Kubernetes quantity such as `10Gi`). Default: `"10Gi"`. */
  size?: string;
  /** The cache's StorageClass; unset on kind: a hostPath directory per instance; elsewhere the cluster's class. */
  storageClass?: string;
  /** Where the cache is mounted; `$RUNNER_FLEET_CACHE_DIR` points there. Default: `"/home/runner/cache"`. */
  mountPath?: string;
  /** kubernetes modes: where a job not on the default branch writes its own cache part; `$RUNNER_FLEET_CACHE_WRITE_DIR` points there. Default: `"/home/runner/cache-write"`. */
  writeMountPath?: string;
  /** The branch whose push, schedule and dispatch jobs write the shared cache part; every other job reads it read-only. Default: `"main"`. */
  defaultBranch?: string;
  /** Declares that all jobs of the set share one trust domain: required for a cache in `none`/`dind` mode, where no boundary keeps one job's writes from the next (docs/security.md). Default: `false`. */
  oneTrustDomain?: boolean;
}

/** The per-job volume of containerMode kubernetes. */
export interface RunnerSetWorkVolumeArgs {
  /** The work volume's size (a Kubernetes quantity). Default: `"5Gi"`. */
  size?: string;
  /** The work volume's StorageClass; unset: the cluster's. */
  storageClass?: string;
}

/** EC2 runner host pools, each a GitHub runner scale set served by the control plane (needs `aws:region`). */
export interface HostPoolArgs {
  /** The stable key (a DNS-1123 label): the pool's scale set, Auto Scaling group and roles derive from it. */
  name: string;
  /** The architecture of the pool's instance types: explicit, never guessed, and checked against each type. */
  arch: Arch;
  /** EC2 instance types the pool launches (`c7g.2xlarge`); several spread Spot requests. */
  instanceTypes: string[];
  /** Runner slots per host, each with its own uid, HOME and cgroup. Default: `1`. */
  runnersPerHost?: number;
  /** The pool's scale-set labels; a job's `runs-on` must be a subset. No two sets or pools may serve overlapping label sets. Default: `[]`. */
  labels?: string[];
  /** Also register `self-hosted`, `linux` and `X64`/`ARM64`, so classic `runs-on: [self-hosted, linux, ARM64]` workflows reach the pool. Default: `true`. */
  selfHostedLabels?: boolean;
  /** Where this pool's runners register; unset: `github.url`. */
  githubUrl?: string;
  /** The https origins the hosts' git keeper fetches from for the checkout action (the job's token goes to them); unset: the origin of the pool's GitHub URL (github.com or the GHES host). Any other server is refused by the keeper. */
  gitServers?: string[];
  /** The runner group the pool's scale set joins (organisation and enterprise URLs only). */
  runnerGroup?: string;
  /** The Auto Scaling group's size; the control plane sets desired capacity from GitHub's assigned jobs within it. Default: `{}`. */
  capacity?: HostPoolCapacityArgs;
  /** Use Spot instances (price-capacity-optimized over the instance types). Default: `false`. */
  spot?: boolean;
  /** With spot: this many instances stay on-demand whatever Spot capacity does. Default: `0`. */
  onDemandBase?: number;
  /** Each runner serves one job and is replaced (JIT runners). Default: `true`. */
  ephemeral?: boolean;
  /** Work directories older than this are removed (a running job's never are). Default: `24`. */
  workMaxAgeHours?: number;
  /** Scheduled capacity changes, e.g. down to 0 at night. Default: `[]`. */
  schedules?: HostPoolScheduleArgs[];
  /** The host operating system image. Default: `"debian"`. */
  os?: HostOs;
  /** Root volume size of each host, GiB. Default: `100`. */
  rootVolumeGiB?: number;
  /** An idle host leaves the group after this long (0: never). Default: `5`. */
  idleTimeoutMinutes?: number;
  /** Subnets the hosts launch in; unset: the default VPC's. */
  subnetIds?: string[];
  /** Give hosts a public IP: needed in the default VPC (no NAT); unset means only when no subnets are given. Inbound stays closed either way. */
  publicIp?: boolean;
  /** Let SSM Session Manager reach the hosts (adds the SSM managed policy to the host role). Default: `false`. */
  ssm?: boolean;
  /** Pre-initialised hosts beside the group: the agent installs while the instance is warmed, so a scale-out only starts or hands over a host. Not with Spot or several instance types (AWS refuses). */
  warmPool?: HostPoolWarmPoolArgs;
  /** `rootless`: a Docker daemon per slot, no job reaches another's containers. `rootful`: one root daemon (one slot, recycled hosts only). `none`: no Docker. Default: `"rootless"`. */
  docker?: DockerMode;
  /** Terminate the host after each job (one VM per job); needs runnersPerHost 1 and ephemeral. Default: `false`. */
  recycleAfterJob?: boolean;
  /** Idle runners the control plane keeps ready beyond assigned jobs. Default: `0`. */
  warmIdleRunners?: number;
  /** A host that has not asked the broker for a runner this long after launch is terminated and reported. Default: `15`. */
  registrationDeadlineMinutes?: number;
  /** Alarm when a job of this pool waits longer than this for a runner. Default: `10`. */
  jobWaitAlarmMinutes?: number;
}

/** The Auto Scaling group's size; the control plane sets desired capacity from GitHub's assigned jobs within it. */
export interface HostPoolCapacityArgs {
  /** Fewest hosts. Default: `0`. */
  min?: number;
  /** Hosts at creation; must be between min and max. Default: `1`. */
  desired?: number;
  /** Most hosts (the scale set's maxCapacity is this times runnersPerHost). Default: `1`. */
  max?: number;
}

/** Scheduled capacity changes, e.g. down to 0 at night. */
export interface HostPoolScheduleArgs {
  /** The schedule's stable key (a DNS-1123 label). */
  name: string;
  /** A five-field cron expression (`0 20 * * 1-5`). */
  recurrence: string;
  /** The IANA time zone the recurrence is read in. Default: `"UTC"`. */
  timeZone?: string;
  /** The group's min from then on; unset: unchanged. */
  min?: number;
  /** The group's desired capacity from then on; unset: unchanged. */
  desired?: number;
  /** The group's max from then on; unset: unchanged. */
  max?: number;
}

/** Pre-initialised hosts beside the group: the agent installs while the instance is warmed, so a scale-out only starts or hands over a host. Not with Spot or several instance types (AWS refuses). */
export interface HostPoolWarmPoolArgs {
  /** Warmed instances kept. Default: `1`. */
  size?: number;
  /** The state warmed instances wait in. Default: `"Stopped"`. */
  state?: WarmPoolState;
}
