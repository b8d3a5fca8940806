import { beforeAll, describe, expect, it } from "vitest";
import { canaries, renderRealStack } from "../helpers/render";
import { decideCall, iamCalls, meets, policiesOf, type IamCall, type Policies } from "../helpers/iam-calls";
import type { PolicyDocument } from "../../components/aws/policy-document";
import { documentMutants } from "../helpers/policy-mutations";
import { renderedIam, type RenderedIam } from "../helpers/rendered-iam";

/**
 * Every grant and condition of the policies prod renders is needed: remove any one statement,
 * action, resource or condition key, and at least one call of the program's real paths gets a
 * decision other than the one it must get (an allowed call denied, or a refused call allowed).
 *
 * Within one account AWS allows a call when either the identity policy or the resource policy
 * allows it; the broker has no function policy (its callers' role policies admit them), so no
 * grant exists twice and every mutation is caught by AWS's full evaluation.
 */

interface Mutation {
  name: string;
  apply(p: Policies): Policies;
}

const copy = (p: Policies): Policies => ({ identity: new Map([...p.identity].map(([k, v]) => [k, [...v]])), resource: new Map(p.resource) });

/** Each single-element removal from one document, put in place of it in a copy of the policies. */
function documentMutations(label: string, doc: PolicyDocument, put: (p: Policies, d: PolicyDocument) => void): Mutation[] {
  return documentMutants(doc).map((m) => ({
    name: `${label}: ${m.name}`,
    apply(p) {
      const next = copy(p);
      put(next, m.doc);
      return next;
    },
  }));
}

let iam: RenderedIam;
let calls: IamCall[];
let base: Policies;
let mutations: Mutation[];

beforeAll(async () => {
  iam = renderedIam(await renderRealStack("prod", canaries()), "eu-west-1");
  calls = iamCalls(iam);
  base = policiesOf(iam);
  mutations = [];
  for (const [role, docs] of base.identity) {
    docs.forEach((d, i) => mutations.push(...documentMutations(docs.length > 1 ? `${role}[${i}]` : role, d, (p, m) => void p.identity.set(role, p.identity.get(role)!.map((x, j) => (j === i ? m : x))))));
  }
  for (const [arn, d] of base.resource) {
    const label = arn.endsWith(":function:control-plane-broker") ? "broker" : arn.startsWith("arn:aws:s3:::") ? "bucket" : arn;
    mutations.push(...documentMutations(label, d, (p, m) => void p.resource.set(arn, m)));
  }
}, 120_000);

/** Which calls get a decision other than the one they must. */
async function broken(p: Policies): Promise<string[]> {
  const out: string[] = [];
  for (const c of calls) if (!meets(c, await decideCall(iam, p, c))) out.push(c.what);
  return out;
}

describe("mutations of the policies prod renders", () => {
  it("the unmutated policies give every call of the real paths its decision", async () => {
    expect(calls.length).toBeGreaterThan(40);
    expect(await broken(base)).toEqual([]);
  });

  it("removing any one statement, action, resource or condition key breaks a call", async () => {
    expect(mutations.length).toBeGreaterThan(30);
    const survivors: string[] = [];
    for (const m of mutations) if ((await broken(m.apply(base))).length === 0) survivors.push(m.name);
    expect(survivors).toEqual([]);
  }, 300_000);

  it("a mutation is noticed by the call that needs the grant: the mirror prefix, the URL condition, the TLS deny", async () => {
    const pick = async (name: string) => {
      const m = mutations.find((x) => x.name === name);
      expect(m, name).toBeDefined();
      return broken(m!.apply(base));
    };
    expect(await pick("runner-fleet-prod-kvm-x64-host: ReadRunnerMirror: drop resource arn:aws:s3:::host-pools/runner/*")).toEqual(["host reads the mirror manifest", "host reads a runner tarball"]);
    expect(await pick("runner-fleet-prod-kvm-x64-host: AskBrokerViaUrl: drop condition Bool lambda:InvokedViaFunctionUrl")).toEqual(["host invokes the broker directly"]);
    // The group grant's tag conditions: each keeps out groups under the stack's prefix that are not its own.
    expect(await pick("control-plane: PoolGroups: drop condition StringEquals aws:ResourceTag/runner-fleet:stack")).toEqual(["control plane sets another stack's group under the prefix"]);
    expect(await pick("control-plane: PoolGroups: drop condition StringEquals aws:ResourceTag/runner-fleet:project")).toEqual(["control plane sets another project's group under the prefix"]);
    expect(await pick("bucket: drop statement TlsOnly")).toEqual(["host reads the mirror without TLS", "host reads the mirror without TLS", "control plane writes without TLS", "control plane lists without TLS"]);
  }, 60_000);
});
