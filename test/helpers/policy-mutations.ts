import type { PolicyDocument, PolicyStatement } from "../../components/aws/policy-document";
import { listOf } from "./iam";

/** One single-element removal from a policy document: its name, and the document without it. */
export interface Mutant {
  name: string;
  doc: PolicyDocument;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Every single-element removal from a policy document: each statement, each action and resource
 * of a statement with more than one, each condition key, and each value of a condition with more
 * than one. Names read "<Sid>: drop <what>" (or "drop statement <Sid>").
 */
export function documentMutants(doc: PolicyDocument): Mutant[] {
  const out: Mutant[] = [];
  const mutant = (name: string, edit: (d: PolicyDocument) => void): void => {
    const d = clone(doc);
    edit(d);
    out.push({ name, doc: d });
  };
  doc.Statement.forEach((s: PolicyStatement, i) => {
    const sid = s.Sid ?? `#${i}`;
    mutant(`drop statement ${sid}`, (d) => void d.Statement.splice(i, 1));
    const actions = listOf(s.Action);
    if (actions.length > 1) actions.forEach((a) => mutant(`${sid}: drop action ${a}`, (d) => void (d.Statement[i]!.Action = actions.filter((x) => x !== a))));
    const resources = listOf(s.Resource);
    if (resources.length > 1) resources.forEach((r) => mutant(`${sid}: drop resource ${r}`, (d) => void (d.Statement[i]!.Resource = resources.filter((x) => x !== r))));
    for (const [op, keys] of Object.entries(s.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        mutant(`${sid}: drop condition ${op} ${key}`, (d) => {
          const c = d.Statement[i]!.Condition!;
          delete c[op]![key];
          if (Object.keys(c[op]!).length === 0) delete c[op];
          if (Object.keys(c).length === 0) delete d.Statement[i]!.Condition;
        });
        const values = listOf(keys[key]);
        if (values.length > 1) values.forEach((v) => mutant(`${sid}: drop ${key} value ${v}`, (d) => void (d.Statement[i]!.Condition![op]![key] = values.filter((x) => x !== v))));
      }
    }
  });
  return out;
}
