import { parse, stringify } from "yaml";

interface KubeconfigDoc {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string } }[];
  "current-context"?: string;
}

/**
 * A kubeconfig for one team: the platform's cluster (server and CA, taken from the platform's own
 * kubeconfig) with the team's service-account token and its namespace as the default. It carries
 * nothing of the platform's own user, so what it may do is exactly what the team's Role grants.
 */
export function scopedKubeconfig(platformKubeconfig: string, user: string, token: string, namespace: string): string {
  const doc = parse(platformKubeconfig) as KubeconfigDoc;
  const contextName = doc["current-context"] ?? doc.contexts?.[0]?.name;
  const context = doc.contexts?.find((c) => c.name === contextName);
  const cluster = doc.clusters?.find((c) => c.name === (context?.context.cluster ?? doc.clusters?.[0]?.name));
  if (!cluster || typeof cluster.cluster.server !== "string") throw new Error("the platform's kubeconfig names no cluster server to scope for a team");
  const keep = ["server", "certificate-authority-data", "certificate-authority", "tls-server-name"] as const;
  const clusterEntry = Object.fromEntries(keep.filter((k) => cluster.cluster[k] !== undefined).map((k) => [k, cluster.cluster[k]]));
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: clusterEntry }],
    contexts: [{ name: user, context: { cluster: cluster.name, user, namespace } }],
    "current-context": user,
    users: [{ name: user, user: { token } }],
  });
}
