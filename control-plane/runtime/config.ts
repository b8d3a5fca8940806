import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CONTROL_PLANE_CONFIG_FILE, type ControlPlaneConfig } from "../../protocol/control-plane-config";

/** protocol/control-plane-config.ts as a schema: the Lambda refuses to start on a config it cannot trust. */
const Pool = z
  .object({
    name: z.string().min(1),
    scaleSetName: z.string().min(1).max(45),
    labels: z.array(z.string().min(1).max(255)),
    runnerGroup: z.string().min(1),
    githubUrl: z.string().url(),
    asgName: z.string().min(1),
    hostRoleArn: z.string().regex(/^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/.+$/),
    runnersPerHost: z.number().int().min(1).max(1000),
    minHosts: z.number().int().min(0),
    maxHosts: z.number().int().min(0),
    warmIdleRunners: z.number().int().min(0),
    registrationDeadlineSeconds: z.number().int().min(60),
    brokerStates: z.array(z.string().min(1)),
  })
  .strict();

const Config = z
  .object({
    v: z.literal(1),
    fleet: z.string().min(1),
    region: z.string().min(1),
    credentialSecretArn: z.string().startsWith("arn:"),
    bucket: z.string().min(3),
    githubApiUrl: z.string().url(),
    pools: z.array(Pool),
    jobWaitAlarmSeconds: z.number().int().positive(),
    endpoints: z.object({ aws: z.string().url().optional(), github: z.string().url().optional() }).strict().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    for (const [i, p] of c.pools.entries()) {
      if (names.has(p.name)) ctx.addIssue({ code: "custom", path: ["pools", i, "name"], message: "duplicate pool name" });
      names.add(p.name);
      if (p.maxHosts < p.minHosts) ctx.addIssue({ code: "custom", path: ["pools", i, "maxHosts"], message: "below minHosts" });
    }
  });

/** The config's text as the Lambda trusts it; `where` names its source in every error. */
export function parseConfig(raw: string, where: string = CONTROL_PLANE_CONFIG_FILE): ControlPlaneConfig {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const parsed = Config.safeParse(json);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * The config from the function's code archive: the bundle runs as <task root>/index.js, the config
 * beside it, so code and config are one deployment and change together (no cold-start call, no
 * window where a new config meets old code).
 */
export function loadConfig(dir: string = __dirname): ControlPlaneConfig {
  const path = join(dir, CONTROL_PLANE_CONFIG_FILE);
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): the function's code archive carries it beside index.js`);
  }
  return parseConfig(raw, path);
}
