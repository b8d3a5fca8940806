import { parse } from "yaml";

/**
 * ARC's scale-set chart writes some values into the AutoscalingRunnerSet unquoted
 * (`runnerGroup: {{ . }}`, `githubConfigUrl: {{ … }}`, gha-runner-scale-set 0.14.2,
 * templates/autoscalingrunnerset.yaml). Such a value reaches GitHub intact only if YAML reads it
 * back as the same string: `builders #2` would become `builders`, a newline would add keys.
 * Returns why a value would not survive, or undefined when it does.
 */
export function plainScalarProblem(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(value)) return "must not contain a newline, tab or other control character";
  let back: unknown;
  try {
    back = (parse(`k: ${value}\n`) as Record<string, unknown> | null)?.k;
  } catch {
    return `is not a plain YAML value (ARC's chart writes it unquoted); avoid characters such as ": ", " #", and a leading [ { & * ! | > ' " % @ or backquote`;
  }
  if (back !== value) {
    return `would reach GitHub as ${JSON.stringify(back)} (ARC's chart writes it unquoted); avoid " #", ": ", a leading [ { & * ! | > ' " % @ or backquote, and values YAML reads as numbers or booleans`;
  }
  return undefined;
}
