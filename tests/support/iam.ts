/**
 * A small evaluation of IAM policy documents, enough to prove the platform's access paths: does a
 * document allow one request (action, resource, request context, and for resource policies the
 * calling principal)? Explicit Deny wins, then any Allow; conditions support the operators the
 * platform's documents use (String/Arn Equals and Like, Bool, ForAllValues/ForAnyValue).
 */

export interface AccessRequest {
  /** What the access path is, for failure messages. */
  why: string;
  action: string;
  resource: string;
  context?: Record<string, string | readonly string[]>;
  /** For key and bucket policies: who calls. */
  principal?: { Service?: string; AWS?: string };
}

type Doc = { Statement: readonly any[] };

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

function principalMatches(statement: any, request: AccessRequest): boolean {
  if (statement.Principal === undefined) return true;
  if (statement.Principal === '*') return true;
  if (!request.principal) return false;
  const { Service, AWS } = statement.Principal as { Service?: unknown; AWS?: unknown };
  return (
    (request.principal.Service !== undefined && list(Service).includes(request.principal.Service)) ||
    (request.principal.AWS !== undefined && list(AWS).includes(request.principal.AWS))
  );
}

function operatorMatches(operator: string, expected: string, actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected === actual;
    case 'StringLike':
    case 'ArnLike':
      return glob(expected, actual);
    case 'Bool':
      return expected.toLowerCase() === actual.toLowerCase();
    default:
      throw new Error(`condition operator ${operator} is not supported by the test evaluator`);
  }
}

function conditionsMatch(condition: Record<string, Record<string, unknown>> | undefined, context: AccessRequest['context'] = {}): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([qualified, keys]) => {
    const [set, operator] = qualified.includes(':') ? (qualified.split(':') as [string, string]) : [undefined, qualified];
    return Object.entries(keys).every(([key, values]) => {
      const expected = list(values).map(String);
      const actual = context[key];
      if (set === 'ForAllValues') return list(actual).every((a) => expected.some((e) => operatorMatches(operator, e, a)));
      if (actual === undefined) return false;
      return list(actual).some((a) => expected.some((e) => operatorMatches(operator, e, a)));
    });
  });
}

function statementMatches(statement: any, request: AccessRequest): boolean {
  return (
    principalMatches(statement, request) &&
    list(statement.Action).some((a) => glob(a, request.action, true)) &&
    (statement.Resource === undefined || list(statement.Resource).some((r) => glob(r, request.resource))) &&
    conditionsMatch(statement.Condition, request.context)
  );
}

/** Whether the document allows the request: an Allow matches and no Deny does. */
export function allows(policy: Doc, request: AccessRequest): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/** Every action the document's Allow statements name, once. */
export function allowedActions(policy: Doc): string[] {
  return [...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))].sort();
}

/** The document with one action struck from every statement (statements left empty go). */
export function withoutAction(policy: Doc, action: string): Doc {
  return {
    ...policy,
    Statement: policy.Statement.map((s) => ({ ...s, Action: list(s.Action).filter((a) => a !== action) })).filter((s) => s.Action.length > 0),
  };
}

/** The requests of `paths` the document does not allow, as readable lines (empty when all are allowed). */
export function deniedPaths(policy: Doc, paths: readonly AccessRequest[]): string[] {
  return paths.filter((p) => !allows(policy, p)).map((p) => `${p.why}: ${p.action} on ${p.resource}`);
}

/**
 * For each action the document allows, the access paths that fail once it is removed; an action
 * with no failing path is one the platform does not need.
 */
export function pathsNeedingEachAction(policy: Doc, paths: readonly AccessRequest[]): Record<string, string[]> {
  return Object.fromEntries(allowedActions(policy).map((action) => [action, deniedPaths(withoutAction(policy, action), paths)]));
}
