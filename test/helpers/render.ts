import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { fleetProgram } from "../../stacks/program";
import { renderStack, unwrapSecrets, type RenderResult } from "../../tools/render-lib";
import { PROJECT, readStackFile } from "../../tools/stack-file";
import { REPO } from "./env";

/** Credentials no test or fixture contains: if one shows up in clear, it leaked from the program. */
export function canaries(): { token: string; privateKey: string; kubeconfig: string } {
  const id = randomBytes(12).toString("hex");
  return {
    token: `ghp_canary${id}`,
    privateKey: `-----BEGIN RSA PRIVATE KEY-----\ncanary${id}\n-----END RSA PRIVATE KEY-----\n`,
    kubeconfig: `apiVersion: v1\nkind: Config\n# canary${id}\n`,
  };
}

/**
 * Renders a committed stack file with the canaries as its secret config. `watch` sees every
 * registration as a stack transformation does (options included, which the mocks never receive).
 */
export async function renderRealStack(
  stack: string,
  secrets: { token: string; privateKey: string; kubeconfig: string },
  onRegister?: (key: string) => void,
  watch?: (t: pulumi.ResourceTransformationArgs) => void,
): Promise<RenderResult> {
  const file = readStackFile(REPO, stack);
  const config = { ...file.config };
  for (const k of file.secretKeys) {
    if (k.endsWith(":githubToken")) config[k] = secrets.token;
    if (k.endsWith(":githubAppPrivateKey")) config[k] = secrets.privateKey;
    if (k.endsWith(":kubeconfig")) config[k] = secrets.kubeconfig;
  }
  return renderStack({
    project: PROJECT,
    stack,
    config,
    secretKeys: file.secretKeys,
    program: () => {
      if (watch) {
        pulumi.runtime.registerStackTransformation((t) => {
          watch(t);
          return undefined;
        });
      }
      return fleetProgram();
    },
    ...(onRegister ? { onRegister } : {}),
  });
}

/** Renders arbitrary config (short keys, structures as objects) through the real program. */
export async function renderConfig(
  stack: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
  onRegister?: (key: string) => void,
): Promise<RenderResult> {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) all[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(secrets)) all[`${PROJECT}:${k}`] = v;
  return renderStack({
    project: PROJECT,
    stack,
    config: all,
    secretKeys: Object.keys(secrets).map((k) => `${PROJECT}:${k}`),
    program: () => fleetProgram(),
    ...(onRegister ? { onRegister } : {}),
  });
}

/** Every string anywhere in a value. */
export function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

/** Top-level inputs whose (unwrapped) content holds the canary, and whether each was a secret. */
export function whereCanary(r: RenderResult, canary: string): { at: string; secret: boolean }[] {
  return r.resources.flatMap((res) =>
    Object.entries(res.inputs)
      .filter(([, v]) => strings(unwrapSecrets(v)).some((s) => s.includes(canary)))
      .map(([k, v]) => ({ at: `${res.type}::${res.name}.${k}`, secret: pulumi.runtime.isRpcSecret(v) })),
  );
}
