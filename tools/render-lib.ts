import * as pulumi from "@pulumi/pulumi";
import { answerInvoke, computedState } from "./mock-answers";

/** One resource of the desired state, as `pulumi preview` would register it. */
export interface RenderedResource {
  type: string;
  name: string;
  /** The parent's logical name; null for resources directly under the stack. */
  parent: string | null;
  /** `type::name` of this resource and of its parent: unique where names alone are not. */
  key: string;
  parentKey: string | null;
  /** `type::name` identities this resource was once registered as (its aliases). */
  aliases: string[];
  custom: boolean;
  /** The explicit provider's logical name, when the resource has one. */
  provider: string | undefined;
  /** Inputs as the engine receives them; secrets still wrapped (see maskSecrets). */
  inputs: Record<string, unknown>;
}

export interface RenderResult {
  stack: string;
  resources: RenderedResource[];
  /** Stack outputs, secrets still marked (see maskSecrets). */
  outputs: Record<string, unknown>;
  invokes: string[];
}

export interface RenderOptions {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  program: () => object | Promise<object>;
  preview?: boolean;
  /** What StackReferences see: outputs by stack name, and which of them are secret. */
  stackOutputs?: Record<string, { outputs: Record<string, unknown>; secretOutputNames: string[] }>;
  /** Called with `type::name` as each resource reaches the engine, even when the render then fails. */
  onRegister?: (key: string) => void;
}

/** Marks a value that was secret when rendered; maskSecrets turns it into "[secret]". */
export class SecretValue {
  constructor(readonly value: unknown) {}
}

const SETTLE_MS = 10_000;
const SECRET_TEXT = "[secret]";

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${SETTLE_MS} ms waiting for ${what}`)), SETTLE_MS);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    );
  });
}

/** Resolves Outputs inside a value, keeping which parts were secret. */
export async function resolveValue(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    const out = v as pulumi.Output<unknown>;
    const [value, secret] = await withTimeout(
      Promise.all([new Promise<unknown>((r) => out.apply((x) => (r(x), x))), pulumi.isSecret(out)]),
      "a stack output",
    );
    const inner = await resolveValue(value);
    return secret ? new SecretValue(inner) : inner;
  }
  if (v instanceof Promise) return resolveValue(await v);
  if (Array.isArray(v)) return Promise.all(v.map(resolveValue));
  if (v !== null && typeof v === "object" && !(v instanceof SecretValue)) {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveValue(x)] as const));
    return Object.fromEntries(entries);
  }
  return v;
}

/** Every secret (engine envelope or SecretValue) replaced by "[secret]". */
export function maskSecrets(v: unknown): unknown {
  if (v instanceof SecretValue || pulumi.runtime.isRpcSecret(v)) return SECRET_TEXT;
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x)]));
  return v;
}

/** A rendered stack's outputs as a StackReference to it would see them. */
export function asStackReference(outputs: Record<string, unknown>): { outputs: Record<string, unknown>; secretOutputNames: string[] } {
  const secretOutputNames = Object.entries(outputs)
    .filter(([, v]) => v instanceof SecretValue)
    .map(([k]) => k);
  return { outputs: unwrapSecrets(outputs) as Record<string, unknown>, secretOutputNames };
}

/** Every secret unwrapped to its value: for tests that check where a canary ends up. */
export function unwrapSecrets(v: unknown): unknown {
  if (v instanceof SecretValue) return unwrapSecrets(v.value);
  if (pulumi.runtime.isRpcSecret(v)) return unwrapSecrets(pulumi.runtime.unwrapRpcSecret(v));
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

type Settle = { waitForRPCs?: () => Promise<void> };

/**
 * Runs the program under Pulumi's mock runtime and returns the desired state: every resource with
 * its parent and inputs, and the stack outputs. Nothing leaves the process; no engine or plugin is
 * needed. Safe to call several times in one process, one render at a time.
 */
export async function renderStack(opts: RenderOptions): Promise<RenderResult> {
  // The SDK records a stack trace on every promise it makes, for its leak report: most of a
  // render's time, and of no use offline. RUNNER_FLEET_RENDER_STACKS=1 keeps them for debugging.
  const stackLimit = Error.stackTraceLimit;
  if (process.env.RUNNER_FLEET_RENDER_STACKS !== "1") Error.stackTraceLimit = 0;
  try {
    return await render(opts);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

async function render(opts: RenderOptions): Promise<RenderResult> {
  const records = new Map<string, { custom: boolean; provider: string | undefined; inputs: Record<string, unknown> }>();
  const order: string[] = [];
  const parents = new Map<string, string | null>();
  const aliasKeys = new Map<string, string[]>();
  const invokes: string[] = [];
  const unanswered: string[] = [];
  const keyOf = (type: string, name: string): string => `${type}::${name}`;
  const settle = (pulumi.runtime as unknown as Settle).waitForRPCs;
  const region = opts.config["aws:region"] ?? "us-east-1";

  await settle?.();
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const key = keyOf(args.type, args.name);
        if (records.has(key)) throw new Error(`two resources share the logical name ${args.name} (${args.type})`);
        // "<provider urn>::<id>": the logical name is the URN's last segment.
        const provider = args.provider ? args.provider.split("::").slice(-2, -1)[0] : undefined;
        records.set(key, { custom: args.custom ?? true, provider, inputs: args.inputs as Record<string, unknown> });
        opts.onRegister?.(key);
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type === "pulumi:pulumi:StackReference") {
          const ref = opts.stackOutputs?.[String(inputs.name)] ?? { outputs: {}, secretOutputNames: [] };
          return { id: String(inputs.name), state: { name: inputs.name, outputs: ref.outputs, secretOutputNames: ref.secretOutputNames } };
        }
        return { id: `${args.name}-id`, state: { ...computedState(args.type, args.name, inputs, region), ...inputs } };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        invokes.push(args.token);
        const answer = answerInvoke(args.token, args.inputs as Record<string, unknown>, region);
        if (answer === undefined) {
          unanswered.push(args.token);
          return {};
        }
        return answer;
      },
    },
    opts.project,
    opts.stack,
    opts.preview ?? false,
  );
  pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

  const keys = new WeakMap<pulumi.Resource, string>();
  let programOutputs: object = {};
  let programError: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      const key = keyOf(t.type, t.name);
      keys.set(t.resource, key);
      order.push(key);
      parents.set(key, t.opts.parent ? (keys.get(t.opts.parent) ?? null) : null);
      const aliases = (t.opts.aliases ?? []).filter((a): a is pulumi.Alias => typeof a === "object" && a !== null && !pulumi.Output.isInstance(a));
      aliasKeys.set(key, aliases.map((a) => keyOf(typeof a.type === "string" ? a.type : t.type, typeof a.name === "string" ? a.name : t.name)));
      return undefined;
    });
    try {
      programOutputs = await opts.program();
    } catch (e) {
      programError = e;
    }
    return {};
  });
  if (programError !== undefined) {
    await settle?.();
    throw programError;
  }
  const outputs = (await resolveValue(programOutputs)) as Record<string, unknown>;
  await withTimeout(settle?.() ?? Promise.resolve(), "resource registrations");
  if (unanswered.length > 0) throw new Error(`the offline render has no answer for invoke(s): ${[...new Set(unanswered)].join(", ")}`);

  const resources: RenderedResource[] = order.map((key) => {
    const [type, name] = [key.slice(0, key.lastIndexOf("::")), key.slice(key.lastIndexOf("::") + 2)];
    const rec = records.get(key);
    if (!rec) throw new Error(`${key} was constructed but never registered`);
    const parentKey = parents.get(key) ?? null;
    const parent = parentKey === null ? null : parentKey.slice(parentKey.lastIndexOf("::") + 2);
    return { type, name, parent, key, parentKey, aliases: aliasKeys.get(key) ?? [], custom: rec.custom, provider: rec.provider, inputs: rec.inputs };
  });
  return { stack: opts.stack, resources, outputs, invokes };
}
