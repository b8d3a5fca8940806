import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { component } from "../types";
import { teamPolicyManifests, type TeamGrant } from "./team-admission-policy";

export interface TeamAdmissionPolicyArgs {
  controllerNamespace: string;
  controllerServiceAccount: string;
  /** What the platform granted each team: runner groups, labels; its sets stay at this GitHub URL. */
  teams: TeamGrant[];
  githubUrl: string;
}

/**
 * The cluster, not our program, keeps teams' scale sets from running anything in the controller's
 * namespace: teams hold their own kubeconfig. A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1,
 * GA in Kubernetes 1.30) rather than a controller per team: one object the API server enforces for
 * every team, with nothing more to run, upgrade or keep from sharing a namespace.
 */
export class TeamAdmissionPolicy extends pulumi.ComponentResource {
  constructor(name: string, args: TeamAdmissionPolicyArgs, opts: pulumi.ComponentResourceOptions) {
    const [type, options] = component("TeamAdmissionPolicy", opts);
    super(type, name, {}, options);
    const { policy, binding } = teamPolicyManifests({ namespace: args.controllerNamespace, serviceAccount: args.controllerServiceAccount }, { teams: args.teams, githubUrl: args.githubUrl });
    const p = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(name, { metadata: policy.metadata, spec: policy.spec }, { parent: this });
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(name, { metadata: binding.metadata, spec: binding.spec }, { parent: this, dependsOn: [p] });
    this.registerOutputs({});
  }
}
