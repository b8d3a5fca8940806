import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { unwrapSecrets, type RenderResult } from "../../tools/render-lib";

/** Runs one policy on one resource's props, as the policy SDK's own tests do; returns the violations. */
export function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}): string[] {
  const out: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:pulumi:test::runner-fleet::${type}::x`,
    name: "x",
    opts: {},
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T>() => config as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as unknown as ResourceValidationArgs;
  const validate = policy.validateResource;
  for (const v of Array.isArray(validate) ? validate : validate ? [validate] : []) void v(args, (m) => out.push(m));
  return out;
}

/** Every violation of every policy over a rendered stack, as "type name: message". */
export function stackViolations(r: RenderResult, policies: ResourceValidationPolicy[]): string[] {
  return r.resources.flatMap((res) =>
    policies.flatMap((p) => violations(p, res.type, unwrapSecrets(res.inputs) as Record<string, unknown>).map((m) => `${res.type} ${res.name} [${p.name}]: ${m}`)),
  );
}
