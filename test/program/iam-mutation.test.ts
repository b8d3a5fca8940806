import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument, PolicyStatement } from "../../components/aws/policy-document";
import { canaries, renderRealStack } from "../helpers/render";
import { decideCall, iamCalls, meets, policiesOf, type IamCall, type Policies } from "../helpers/iam-calls";
import { listOf } from "../helpers/iam";
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

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Each single-element removal from one document. */
function documentMutations(label: string, doc: PolicyDocument, put: (p: Policies, d: PolicyDocument) => void): Mutation[] {
  const out: Mutation[] = [];
  const with_ = (name: string, edit: (d: PolicyDocument) => void): Mutation => ({
    name: `${label}: ${name}`,
    apply(p) {
      const next: Policies = { identity: new Map([...p.identity].map(([k, v]) => [k, clone(v)])), resource: new Map([...p.resource].map(([k, v]) => [k, clone(v)])) };
      const d = clone(doc);
      edit(d);
      put(next, d);
      return next;
    },
  });
  doc.Statement.forEach((s: PolicyStatement, i) => {
    const sid = s.Sid ?? `#${i}`;
    out.push(with_(`drop statement ${sid}`, (d) => void d.Statement.splice(i, 1)));
    const actions = listOf(s.Action);
    if (actions.length > 1) actions.forEach((a) => out.push(with_(`${sid}: drop action ${a}`, (d) => void (d.Statement[i]!.Action = actions.filter((x) => x !== a)))));
    const resources = listOf(s.Resource);
    if (resources.length > 1) resources.forEach((r) => out.push(with_(`${sid}: drop resource ${r}`, (d) => void (d.Statement[i]!.Resource = resources.filter((x) => x !== r)))));
    for (const [op, keys] of Object.entries(s.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        out.push(
          with_(`${sid}: drop condition ${op} ${key}`, (d) => {
            const c = d.Statement[i]!.Condition!;
            delete c[op]![key];
            if (Object.keys(c[op]!).length === 0) delete c[op];
            if (Object.keys(c).length === 0) delete d.Statement[i]!.Condition;
          }),
        );
        const values = listOf(keys[key]);
        if (values.length > 1) values.forEach((v) => out.push(with_(`${sid}: drop ${key} value ${v}`, (d) => void (d.Statement[i]!.Condition![op]![key] = values.filter((x) => x !== v)))));
      }
    }
  });
  return out;
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
