import * as pulumi from "@pulumi/pulumi";
import { component } from "../types";
import * as aws from "@pulumi/aws";
import { agentBundle } from "./agent-bundle";

export interface AgentArtifactArgs {
  tags: Record<string, string>;
}

/** The bundled host agent in a private, encrypted bucket; hosts fetch it by exact ARN and check its hash. */
export class AgentArtifact extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
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
    const bucket = new aws.s3.Bucket(name, { forceDestroy: true, tags: args.tags }, { parent: this });
    new aws.s3.BucketPublicAccessBlock(
      name,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      { parent: this },
    );
    const object = new aws.s3.BucketObjectv2(
      `${name}-agent`,
      { bucket: bucket.id, key: this.key, content: bundle.code, contentType: "application/javascript", tags: args.tags },
      { parent: this },
    );
    this.bucket = bucket.id;
    this.objectArn = pulumi.interpolate`${bucket.arn}/${object.key}`;
    this.s3Uri = pulumi.interpolate`s3://${bucket.id}/${object.key}`;
    this.registerOutputs({ bucket: this.bucket, objectArn: this.objectArn, sha256: this.sha256 });
  }
}
