import { ConfigError } from "../../config/errors";
import { parseStackConfig, type ConfigSource } from "../../config/load";

export const PROJECT = "runner-fleet";

export interface SourceOptions {
  stack?: string;
  /** Secret config by short key (githubToken, githubAppPrivateKey, kubeconfig). */
  secrets?: Record<string, string>;
  /** Config stored in clear (short keys), for the tests that check it is refused. */
  plain?: Record<string, string>;
  /** Other providers' keys, fully qualified (`aws:region`). */
  foreign?: Record<string, string>;
}

/** A ConfigSource from objects, shaped as the engine passes config (JSON text for structures). */
export function sourceFrom(config: Record<string, unknown>, opts: SourceOptions = {}): ConfigSource {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) all[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(opts.plain ?? {})) all[`${PROJECT}:${k}`] = v;
  Object.assign(all, opts.foreign ?? {});
  const secret = new Set<string>();
  for (const [k, v] of Object.entries(opts.secrets ?? {})) {
    all[`${PROJECT}:${k}`] = v;
    secret.add(`${PROJECT}:${k}`);
  }
  return { project: PROJECT, stack: opts.stack ?? "test", all: () => all, isSecret: (k) => secret.has(k) };
}

export const TOKEN = { githubToken: "ghp_fake_test_token_0000000000000000" };
export const FAKE_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIfakefakefake\n-----END RSA PRIVATE KEY-----\n";

/** A small valid stack to mutate: kind, one repository, the seed shape. */
export function baseConfig(): Record<string, unknown> {
  return {
    github: { url: "https://github.com/acme/widgets", auth: "token" },
    cluster: { type: "kind", name: "test" },
    runnerSets: [{ name: "widgets", instances: 3 }],
  };
}

/** The keyed lines a config is refused with; none when it is valid. */
export function configErrorLines(cfg: Record<string, unknown>, opts: SourceOptions = { secrets: TOKEN }): string[] {
  try {
    parseStackConfig(sourceFrom(cfg, opts));
  } catch (e) {
    if (ConfigError.isConfigError(e)) return [...e.lines];
    throw e;
  }
  return [];
}
