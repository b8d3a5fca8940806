import { stringify } from "yaml";

export interface EksEndpoint {
  clusterName: string;
  endpoint: string;
  certificateAuthority: string;
  region: string;
}

/**
 * A kubeconfig that authenticates with `aws eks get-token` on every call: it holds no credential
 * of its own, but it names the cluster, so it is still exported only as a secret.
 */
export function eksKubeconfig(e: EksEndpoint): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: e.clusterName, cluster: { server: e.endpoint, "certificate-authority-data": e.certificateAuthority } }],
    contexts: [{ name: e.clusterName, context: { cluster: e.clusterName, user: e.clusterName } }],
    "current-context": e.clusterName,
    users: [
      {
        name: e.clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", e.clusterName, "--region", e.region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
