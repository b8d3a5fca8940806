import type { RunnerSetModel, ScaleSetInstance } from "../../config/model";
import { CACHE_DIR_ENV, CACHE_VOLUME, cacheVolume } from "./cache-volume";
import {
  CACHE_ROOT_IN_RUNNER,
  CACHE_SCOPE_HOOK_FILE,
  HOOK_TEMPLATE_DIR,
  HOOK_TEMPLATE_ENV,
  HOOK_TEMPLATE_FILE,
  HOOK_TEMPLATE_VOLUME,
  HOOKS_ENV,
  hookTemplateConfigMapName,
  scopedByRef,
  usesContainerHooks,
} from "./hook-template-names";
import { instanceLabels } from "./instance-labels";
import { awayFromPrivileged, type NodeAffinity } from "./placement";

export { CACHE_DIR_ENV, CACHE_VOLUME } from "./cache-volume";
export { instanceLabels } from "./instance-labels";

/** uid of `runner` and gid of `docker` in ghcr.io/actions/actions-runner; runner is in that group. */
export const RUNNER_UID = 1001;
export const RUNNER_GID = 123;

export interface ScaleSetContext {
  credentialsSecretName: string;
  controllerNamespace: string;
  controllerServiceAccount: string;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type PodTemplate = { metadata: { labels: Record<string, string> }; spec: { [k: string]: Json } };

export interface ScaleSetValues {
  githubConfigUrl: string;
  githubConfigSecret: string;
  runnerScaleSetName: string;
  minRunners: number;
  maxRunners: number;
  scaleSetLabels?: string[];
  runnerGroup?: string;
  containerMode?: { type: string; kubernetesModeWorkVolumeClaim?: { [k: string]: Json } };
  controllerServiceAccount: { namespace: string; name: string };
  labels: Record<string, string>;
  /** The listener pod (it holds a session on GitHub): never on a node where privileged runners run. */
  listenerTemplate: { spec: { containers: { name: "listener" }[]; affinity: NodeAffinity } };
  template: PodTemplate;
}

/**
 * The runner pod: right architecture, the instance's cache mounted where the trusted side needs it,
 * nothing privileged added. Where jobs run in the runner container the cache is mounted there (the
 * schema allows that only for one declared trust domain); in the kubernetes modes the job pod gets
 * it through the hook template, and with ref scoping the runner container holds the whole volume
 * only for the hook that makes each job's directories.
 */
export function runnerPodTemplate(set: RunnerSetModel, inst: ScaleSetInstance): PodTemplate {
  const cache = inst.cache;
  const env: Json[] = [];
  const mounts: Json[] = [];
  const volumes: Json[] = [];
  if (cache !== undefined) {
    volumes.push(cacheVolume(cache));
    if (scopedByRef(inst)) mounts.push({ name: CACHE_VOLUME, mountPath: CACHE_ROOT_IN_RUNNER });
    else {
      env.push({ name: CACHE_DIR_ENV, value: cache.mountPath });
      mounts.push({ name: CACHE_VOLUME, mountPath: cache.mountPath });
    }
  }
  const spec: { [k: string]: Json } = {
    nodeSelector: { "kubernetes.io/os": "linux", "kubernetes.io/arch": set.arch, ...set.nodeSelector },
    // fsGroup makes a fresh PVC writable by the runner user through its docker group.
    securityContext: { fsGroup: RUNNER_GID },
    containers: [{ name: "runner", image: set.image, command: ["/home/runner/run.sh"], env, volumeMounts: mounts }],
    volumes,
  };
  if (set.tolerations.length > 0) spec.tolerations = set.tolerations.map((t) => ({ ...t }));
  if (usesContainerHooks(set)) {
    // The job runs in a pod of its own, shaped by the hook template (a ConfigMap per instance). With
    // ref scoping our hook picks the template per job, then runs the chart's hook (it would set
    // ACTIONS_RUNNER_CONTAINER_HOOKS itself only if we did not: _helpers.tpl).
    env.push(
      scopedByRef(inst)
        ? { name: HOOKS_ENV, value: `${HOOK_TEMPLATE_DIR}/${CACHE_SCOPE_HOOK_FILE}` }
        : { name: HOOK_TEMPLATE_ENV, value: `${HOOK_TEMPLATE_DIR}/${HOOK_TEMPLATE_FILE}` },
    );
    mounts.push({ name: HOOK_TEMPLATE_VOLUME, mountPath: HOOK_TEMPLATE_DIR, readOnly: true });
    volumes.push({ name: HOOK_TEMPLATE_VOLUME, configMap: { name: hookTemplateConfigMapName(inst) } });
  }
  if (cache?.kind === "hostPath") {
    // kubelet creates a missing hostPath directory as root 0755, and fsGroup does not apply to
    // hostPath; hand it to the runner user once, before the (non-root) runner starts.
    spec.initContainers = [
      {
        name: "cache-owner",
        image: set.image,
        command: ["sh", "-c", `chown ${RUNNER_UID}:${RUNNER_GID} /cache && chmod 2775 /cache`],
        securityContext: { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false },
        volumeMounts: [{ name: CACHE_VOLUME, mountPath: "/cache" }],
      },
    ];
  }
  return { metadata: { labels: instanceLabels(set, inst) }, spec };
}

/**
 * What GitHub fixes when ARC creates the scale set: its labels and runner group. ARC 0.14.2 creates
 * a set only when its AutoscalingRunnerSet has no `runner-scale-set-id` annotation; a label edit
 * only changes the resource's hash and never reaches GitHub (ARC #4424). So a change here must
 * delete the release (ARC's finalizer deletes the set) and install it again.
 */
export function registrationKey(set: RunnerSetModel, inst: ScaleSetInstance): string {
  return JSON.stringify({ labels: inst.registeredLabels, runnerGroup: set.runnerGroup ?? null });
}

/**
 * The release inputs that hold what `registrationKey` covers, as the engine's `replaceOnChanges`
 * paths. A replacement trigger alone does not replace a release whose state has none (the engine
 * reads a missing old trigger as "no trigger": pulumi/pulumi step_generator.go,
 * shouldTriggerReplace), which is every release deployed before the trigger existed. The Helm
 * Release provider diffs `values` property by property (pulumi-kubernetes helm_release.go, Diff →
 * convertPatchToDiff), and the engine turns a change under these paths into a replacement
 * (applyReplaceOnChanges), so an upgraded stack re-creates a set whose labels changed too.
 */
export const REGISTRATION_VALUE_PATHS = ["values.scaleSetLabels", "values.runnerGroup"] as const;

/** Values for one gha-runner-scale-set release; the credential is only ever named, never inlined. */
export function scaleSetValues(set: RunnerSetModel, inst: ScaleSetInstance, ctx: ScaleSetContext): ScaleSetValues {
  const values: ScaleSetValues = {
    githubConfigUrl: set.githubUrl,
    githubConfigSecret: ctx.credentialsSecretName,
    runnerScaleSetName: inst.name,
    minRunners: set.minRunners,
    maxRunners: set.maxRunners,
    controllerServiceAccount: { namespace: ctx.controllerNamespace, name: ctx.controllerServiceAccount },
    labels: instanceLabels(set, inst),
    // "listener" is the container ARC merges this into (values.yaml: another name becomes a side-car).
    listenerTemplate: { spec: { containers: [{ name: "listener" }], affinity: awayFromPrivileged() } },
    template: runnerPodTemplate(set, inst),
  };
  // ARC registers the name first itself (autoscalingrunnerset_controller.go, createRunnerScaleSet).
  const extra = inst.registeredLabels.slice(1);
  if (extra.length > 0) values.scaleSetLabels = extra;
  if (set.runnerGroup !== undefined) values.runnerGroup = set.runnerGroup;
  if (set.containerMode !== "none") {
    values.containerMode = { type: set.containerMode };
    if (set.containerMode === "kubernetes" && set.workVolume) {
      values.containerMode.kubernetesModeWorkVolumeClaim = {
        accessModes: ["ReadWriteOnce"],
        storageClassName: set.workVolume.storageClass,
        resources: { requests: { storage: set.workVolume.size } },
      };
    }
  }
  return values;
}
