import { stringify } from "yaml";
import type { KindClusterConfig } from "../../config/schema";

/**
 * The kind cluster config. Every node mounts the cache root from the host at the same path, so a
 * runner pod's hostPath `<root>/<scale-set>` survives pod and even cluster re-creation: the seed's
 * warm-cache layout.
 */
export function kindConfig(cluster: KindClusterConfig): string {
  const node = (role: "control-plane" | "worker") => ({
    role,
    ...(cluster.nodeImage ? { image: cluster.nodeImage } : {}),
    extraMounts: [{ hostPath: cluster.cacheHostPath, containerPath: cluster.cacheHostPath }],
  });
  return stringify({
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    name: cluster.name,
    nodes: [node("control-plane"), ...Array.from({ length: cluster.workers }, () => node("worker"))],
  }, { aliasDuplicateObjects: false });
}

/**
 * Creates the cluster from the config on stdin. Re-running after a partial failure adopts the
 * cluster kind already made instead of failing on "already exist".
 */
export const KIND_CREATE_SCRIPT = `set -eu
command -v kind >/dev/null 2>&1 || { echo "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/" >&2; exit 127; }
mkdir -p "$CACHE_ROOT"
if kind get clusters 2>/dev/null | grep -Fqx "$KIND_CLUSTER_NAME"; then
  echo "kind cluster $KIND_CLUSTER_NAME already exists; adopting it" >&2
else
  kind create cluster --name "$KIND_CLUSTER_NAME" --config - --wait 180s
fi
`;

export const KIND_DELETE_SCRIPT = `set -eu
kind delete cluster --name "$KIND_CLUSTER_NAME"
`;

/** Prints the kubeconfig; run as an invoke, so it never lands in state or in the diff display. */
export function kindKubeconfigCommand(name: string): string {
  return `kind get kubeconfig --name '${name}'`;
}
