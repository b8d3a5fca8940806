import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { component } from "../types";

export interface PoolBucketArgs {
  tags: Record<string, string>;
}

/** A bucket policy that refuses every request not made over TLS. */
export function tlsOnlyPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/**
 * The pools' private bucket: the runner mirror under runner/, agent bundles under agent/, the
 * control plane's state under state/. Encrypted, versioned (a bad mirror write can be rolled back),
 * public access blocked, TLS only. Who reads what is decided by the roles' policies.
 */
export class PoolBucket extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: PoolBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const [type, options] = component("PoolBucket", opts);
    super(type, name, {}, options);
    const parent = { parent: this };
    const bucket = new aws.s3.Bucket(name, { forceDestroy: true, tags: args.tags }, parent);
    const block = new aws.s3.BucketPublicAccessBlock(
      name,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, parent);
    new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
    // Old versions would pile up with every mirror refresh and state write: keep them a week.
    new aws.s3.BucketLifecycleConfiguration(
      name,
      { bucket: bucket.id, rules: [{ id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 7 } }] },
      parent,
    );
    new aws.s3.BucketPolicy(name, { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) }, { parent: this, dependsOn: [block] });
    this.bucket = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucket: this.bucket, arn: this.arn });
  }
}
