import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { GithubCredentialValue } from "../../config/credentials";
import { scopedKubeconfig } from "../k8s/scoped-kubeconfig";
import { GithubCredentials } from "../secrets/GithubCredentials";
import { component } from "../types";
import type { PodSecurityLevel } from "./pod-security";
import { RunnerNamespace } from "./RunnerNamespace";
import { TEAM_LABEL } from "./team-admission-policy";
import { TEAM_DEPLOYER_RULES } from "./team-rbac";

export const TEAM_IDENTITY = "runner-fleet-team";

export interface TeamAccessArgs {
  team: string;
  /** The team's runner namespace first, then (if the team may run privileged sets) its privileged one. */
  namespaces: { name: string; podSecurity: PodSecurityLevel }[];
  /** The platform's credential, put in each namespace; unset when the team brings its own. */
  credential?: pulumi.Output<GithubCredentialValue>;
  secretName: string;
  /** The platform's own kubeconfig, read only for the cluster's server and CA. */
  clusterKubeconfig: pulumi.Output<string>;
}

/**
 * Made by the platform for one team: its namespaces (with the job pods' token-less service
 * account), the credential Secret in each, and an identity that can deploy runner sets there and
 * nowhere else: a ServiceAccount, a Role per namespace, and a kubeconfig with that account's token.
 * The team stack receives only that kubeconfig and the Secret's name.
 */
export class TeamAccess extends pulumi.ComponentResource {
  readonly kubeconfig: pulumi.Output<string>;
  readonly namespaces: pulumi.Output<string>[];
  readonly secretName?: pulumi.Output<string>;

  constructor(name: string, args: TeamAccessArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("TeamAccess", opts);
    super(type, name, {}, options);
    const child = { parent: this };
    const labels = { "app.kubernetes.io/part-of": "runner-fleet", "runner-fleet/team": args.team };
    const namespaces = args.namespaces.map((n) => new RunnerNamespace(n.name, { name: n.name, podSecurity: n.podSecurity, jobServiceAccount: true, labels: { [TEAM_LABEL]: args.team } }, child));
    this.namespaces = namespaces.map((n) => n.name);
    const home = namespaces[0]!.name;

    if (args.credential) {
      const secrets = namespaces.map((ns, i) => new GithubCredentials(`${args.namespaces[i]!.name}-github`, { namespace: ns.name, credential: args.credential!, secretName: args.secretName }, child));
      this.secretName = secrets[0]!.secretName;
    }

    const account = new k8s.core.v1.ServiceAccount(`${name}-identity`, { metadata: { name: TEAM_IDENTITY, namespace: home, labels } }, child);
    namespaces.forEach((ns, i) => {
      const key = args.namespaces[i]!.name;
      const role = new k8s.rbac.v1.Role(`${key}-team`, { metadata: { name: TEAM_IDENTITY, namespace: ns.name, labels }, rules: TEAM_DEPLOYER_RULES }, child);
      new k8s.rbac.v1.RoleBinding(
        `${key}-team`,
        {
          metadata: { name: TEAM_IDENTITY, namespace: ns.name, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: home }],
        },
        child,
      );
    });
    // A long-lived token the cluster fills in for the account (kubernetes.io/service-account-token).
    const token = new k8s.core.v1.Secret(
      `${name}-token`,
      { metadata: { name: `${TEAM_IDENTITY}-token`, namespace: home, labels, annotations: { "kubernetes.io/service-account.name": TEAM_IDENTITY } }, type: "kubernetes.io/service-account-token" },
      { ...child, dependsOn: [account], additionalSecretOutputs: ["data"] },
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([args.clusterKubeconfig, token.data, home])
        .apply(([platform, data, ns]) => scopedKubeconfig(platform, `${args.team}-runner-fleet`, Buffer.from(data?.token ?? "", "base64").toString("utf8"), ns)),
    );
    this.registerOutputs({ kubeconfig: this.kubeconfig, namespaces: this.namespaces });
  }
}
