import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The AWS SDK v3 clients the control plane uses; one set per warm Lambda. */
export interface AwsClients {
  autoscaling: AutoScalingClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
}

export interface AwsClientOptions {
  region: string;
  /** One endpoint for every service (moto in tests); absent in AWS. */
  endpoint?: string;
  /** Tests only; in Lambda the SDK takes the role's credentials from the environment. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createAwsClients(opts: AwsClientOptions): AwsClients {
  const common = {
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    // The SDK's standard retry mode backs off on Throttling/ThrottlingException (HTTP 400).
    maxAttempts: 4,
  };
  return {
    autoscaling: new AutoScalingClient(common),
    // moto (and any single-host endpoint) serves buckets by path, not by virtual host.
    s3: new S3Client({ ...common, forcePathStyle: Boolean(opts.endpoint) }),
    secrets: new SecretsManagerClient(common),
  };
}
