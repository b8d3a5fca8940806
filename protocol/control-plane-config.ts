/**
 * What the Pulumi program tells the control plane Lambda, as JSON in a file of the function's own
 * code archive (CONTROL_PLANE_CONFIG_FILE, beside index.js): written at `up`, versioned with the
 * code, no size ceiling that matters (Lambda's 4 KB of environment held about nine pools). No
 * secret here: the credential is read from Secrets Manager at run time by the control plane role,
 * the only role allowed to.
 */
export interface ControlPlanePool {
  /** The pool's stable key (config name). */
  name: string;
  /** The GitHub runner scale set's name: what `runs-on:` selects. */
  scaleSetName: string;
  /** Extra labels registered on the scale set (GitHub's defaults are not listed). */
  labels: string[];
  /** Runner group name; "default" when unset. */
  runnerGroup: string;
  /** Repository, organisation or enterprise URL the scale set lives in. */
  githubUrl: string;
  asgName: string;
  /** arn:aws:iam::<acct>:role/<name> of the pool's host role: broker callers must be sessions of it. */
  hostRoleArn: string;
  runnersPerHost: number;
  minHosts: number;
  maxHosts: number;
  /** Idle runners the pool keeps ready beyond assigned jobs. */
  warmIdleRunners: number;
  /** Seconds after launch by which a host must have asked for a runner, or the reaper terminates it. */
  registrationDeadlineSeconds: number;
  /** Instance lifecycle states (besides InService) whose hosts the broker answers, e.g. warm-pool ones. */
  brokerStates: string[];
}

export interface ControlPlaneConfig {
  v: 1;
  /** Stack identity, used as the scale-set session owner and in metric dimensions. */
  fleet: string;
  region: string;
  /** Secrets Manager ARN of the GitHub credential ({kind:"app",appId,installationId,privateKey} or {kind:"token",token}). */
  credentialSecretArn: string;
  /** Bucket for the runner mirror and the control plane's own state (sessions, issued runners). */
  bucket: string;
  /** GitHub REST API root, e.g. https://api.github.com or https://ghe.example/api/v3. */
  githubApiUrl: string;
  pools: ControlPlanePool[];
  /** Seconds a job may wait before the alarm metric counts it as late. */
  jobWaitAlarmSeconds: number;
  /** Endpoint overrides for tests (moto, stand-ins); absent in AWS. */
  endpoints?: { aws?: string; github?: string };
}

/** The config's name in the function's code archive, beside the bundle (index.js). */
export const CONTROL_PLANE_CONFIG_FILE = "runner-fleet-config.json";
