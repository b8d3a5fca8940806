import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import { agentBundle } from "./agent-bundle";

export interface AgentArtifactArgs {
  /** The pool bucket (see PoolBucket): private, encrypted, TLS only. */
  bucket: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** The bundled host agent under agent/ in the pool bucket; hosts fetch it by exact ARN and check its hash. */
export class AgentArtifact extends pulumi.ComponentResource {
  readonly key: string;
  readonly objectArn: pulumi.Output<string>;
  readonly s3Uri: pulumi.Output<string>;
  readonly sha256: string;

  constructor(name: string, args: AgentArtifactArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("AgentArtifact", opts);
    super(type, name, {}, options);
    const bundle = agentBundle();
    this.sha256 = bundle.sha256;
    // The hash in the key makes every agent version a new object, so running hosts keep theirs.
    this.key = `agent/${bundle.sha256}/agent.js`;
    const object = new aws.s3.BucketObjectv2(
      `${name}-agent`,
      { bucket: args.bucket, key: this.key, content: bundle.code, contentType: "application/javascript", tags: args.tags },
      { parent: this },
    );
    this.objectArn = pulumi.interpolate`${args.bucketArn}/${object.key}`;
    this.s3Uri = pulumi.interpolate`s3://${args.bucket}/${object.key}`;
    this.registerOutputs({ objectArn: this.objectArn, sha256: this.sha256 });
  }
}
