/**
 * A small evaluator of identity policies: does this policy let a principal perform `action` on
 * `resource`? Allow and Deny statements with Action/Resource wildcards (`*`, `?`), as IAM
 * matches them; conditions are not evaluated, so a statement with a Condition never matches.
 */
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function matches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'i' : '');
  return regex.test(value);
}

function applies(s: Statement, action: string, resource: string): boolean {
  return s.Condition === undefined && list(s.Action).some((a) => matches(a, action, true)) && list(s.Resource).some((r) => matches(r, resource, false));
}

export function allows(policy: string | { Statement: Statement[] }, action: string, resource: string): boolean {
  const doc = typeof policy === 'string' ? (JSON.parse(policy) as { Statement: Statement[] }) : policy;
  if (doc.Statement.some((s) => s.Effect === 'Deny' && applies(s, action, resource))) return false;
  return doc.Statement.some((s) => s.Effect === 'Allow' && applies(s, action, resource));
}
