import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../components/aws/policy-document";
import { renderStackFile } from "../../tools/render-stack-file";
import { renderStack, unwrapSecrets, type RenderResult } from "../../tools/render-lib";
import { PROJECT, readStackFile } from "../../tools/stack-file";
import { fleetProgram } from "../../stacks/program";
import { TOKEN } from "../helpers/config";
import { renderedIam, type RenderedIam } from "../helpers/rendered-iam";
import { allStackFiles } from "../helpers/stack-files";
import { orgPools } from "../helpers/org-pools";

/**
 * AWS refuses a policy over its size quota at `pulumi up`, which a render never sees. These are
 * the quotas for what the program makes, counted as each service counts:
 * - IAM (User Guide, "IAM and AWS STS quotas"): a role's inline policies together at most 10,240
 *   characters, a managed policy 6,144, a role trust policy 2,048 (the default; 4,096 on request);
 *   "IAM doesn't count white space", so a document counts as its JSON without the whitespace
 *   between tokens (what JSON.stringify writes; whitespace inside strings is counted, which can
 *   only over-count).
 * - Lambda (quotas): a function's resource-based policy at most 20 KB, as Lambda stores it
 *   (GetPolicy's document: Version, Id "default", a statement per Permission).
 * - S3: a bucket policy at most 20 KB.
 */
const LIMITS = { roleInline: 10_240, managed: 6_144, trust: 2_048, functionPolicy: 20 * 1024, bucketPolicy: 20 * 1024 } as const;

/** Characters IAM counts: the document without whitespace between JSON tokens. */
export const iamChars = (doc: unknown): number => JSON.stringify(typeof doc === "string" ? JSON.parse(doc) : doc).length;
const bytes = (doc: unknown): number => Buffer.byteLength(JSON.stringify(doc));
const lambdaStored = (d: PolicyDocument): unknown => ({ Version: d.Version, Id: "default", Statement: d.Statement });

/** Every size the render's IAM and resource policies have, with where and the quota. */
function sizes(r: RenderResult, iam: RenderedIam): { what: string; size: number; limit: number }[] {
  const out: { what: string; size: number; limit: number }[] = [];
  for (const role of iam.roles) {
    out.push({ what: `${role.name} inline policies`, size: role.inline.reduce((n, d) => n + iamChars(d), 0), limit: LIMITS.roleInline });
    out.push({ what: `${role.name} trust`, size: iamChars(role.trust), limit: LIMITS.trust });
  }
  for (const p of r.resources.filter((x) => x.type === "aws:iam/policy:Policy")) {
    out.push({ what: `managed policy ${p.name}`, size: iamChars((unwrapSecrets(p.inputs) as { policy: string }).policy), limit: LIMITS.managed });
  }
  for (const [arn, d] of iam.functionPolicies) out.push({ what: `function policy of ${arn}`, size: bytes(lambdaStored(d)), limit: LIMITS.functionPolicy });
  for (const [arn, d] of iam.bucketPolicies) out.push({ what: `bucket policy of ${arn}`, size: bytes(d), limit: LIMITS.bucketPolicy });
  return out;
}

const over = (s: { what: string; size: number; limit: number }[]): string[] => s.filter((x) => x.size > x.limit).map((x) => `${x.what}: ${x.size} > ${x.limit}`);

const renderOrg = async (n: number) => {
  const config = {
    "aws:region": "us-east-1",
    [`${PROJECT}:github`]: JSON.stringify({ url: "https://github.com/acme", auth: "token" }),
    [`${PROJECT}:hostPools`]: JSON.stringify(orgPools(n)),
    [`${PROJECT}:githubToken`]: TOKEN.githubToken,
  };
  const r = await renderStack({ project: PROJECT, stack: "org", config, secretKeys: [`${PROJECT}:githubToken`], program: () => fleetProgram() });
  return { r, iam: renderedIam(r, "us-east-1") };
};

describe("policy sizes within AWS's quotas", () => {
  it("counts as IAM counts: whitespace between tokens is free, characters in values are not", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k" }] };
    expect(iamChars(JSON.stringify(doc, null, 2))).toBe(iamChars(doc));
    expect(iamChars(doc)).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k"}]}'.length);
  });

  const { dir, stacks } = allStackFiles("policy-size");
  it.each(stacks)("stack %s", async (stack) => {
    const region = readStackFile(dir, stack).config["aws:region"] ?? "us-east-1";
    const r = await renderStackFile(dir, stack);
    expect(over(sizes(r, renderedIam(r, region)))).toEqual([]);
  }, 300_000);

  describe("an organisation's stack of 200 pools", () => {
    let small: Awaited<ReturnType<typeof renderOrg>>;
    let big: Awaited<ReturnType<typeof renderOrg>>;
    beforeAll(async () => {
      small = await renderOrg(2);
      big = await renderOrg(200);
    }, 300_000);

    it("keeps every role's inline policies, trust, managed, function and bucket policies under their quotas", () => {
      expect(big.iam.groups).toHaveLength(200);
      const all = sizes(big.r, big.iam);
      expect(all.filter((s) => s.what.endsWith("inline policies"))).toHaveLength(201);
      expect(over(all)).toEqual([]);
    });

    it("the control plane's policy and the broker's function policy do not grow with the pools", () => {
      const fixed = (x: Awaited<ReturnType<typeof renderOrg>>) =>
        sizes(x.r, x.iam)
          .filter((s) => !/team-\d{3}/.test(s.what))
          .map((s) => `${s.what}: ${s.size}`);
      expect(fixed(big)).toEqual(fixed(small));
      expect(fixed(big).some((s) => s.startsWith("control-plane inline policies"))).toBe(true);
    });
  });
});
