import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One resource the program registered, as the engine would have seen it. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Provider reference (`urn::id`) for custom resources. */
  provider?: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  parentName?: string;
  /** Names of the resources it was told to wait for (`dependsOn`). */
  dependsOn?: string[];
  /** Names of the providers its options name (`providers`), for the children of a component. */
  providers?: string[];
}

export interface MockRun {
  /** The stack's account and region, from its config. */
  account: string;
  region: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  ofType(type: string): RecordedResource[];
  one(type: string, nameSuffix: string): RecordedResource;
}

export const REPO_ROOT = join(__dirname, '..', '..');

/** The stack file's config map in the shape `pulumi.runtime.allConfig()` returns: structured values as JSON text. */
export function stackConfigMap(stack: string, edit?: (config: Record<string, any>) => void): Record<string, string> {
  const doc = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, any> };
  edit?.(doc.config);
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** The ARN AWS gives a resource of a Pulumi type with this physical name, for the types whose ARNs policies name. */
export function awsArn(type: string, name: string, account: string, region = 'eu-west-1'): string | undefined {
  switch (type) {
    case 'aws:s3/bucket:Bucket':
      return `arn:aws:s3:::${name}`;
    case 'aws:kinesis/stream:Stream':
      return `arn:aws:kinesis:${region}:${account}:stream/${name}`;
    case 'aws:iam/role:Role':
      return `arn:aws:iam::${account}:role/${name}`;
    case 'aws:iam/policy:Policy':
      return `arn:aws:iam::${account}:policy/${name}`;
    case 'aws:cloudwatch/logGroup:LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${name}`;
    case 'aws:sqs/queue:Queue':
      return `arn:aws:sqs:${region}:${account}:${name}`;
    case 'aws:sns/topic:Topic':
      return `arn:aws:sns:${region}:${account}:${name}`;
    case 'aws:lambda/function:Function':
      return `arn:aws:lambda:${region}:${account}:function:${name}`;
    case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream':
      return `arn:aws:firehose:${region}:${account}:deliverystream/${name}`;
    case 'aws:kinesisanalyticsv2/application:Application':
      return `arn:aws:kinesisanalytics:${region}:${account}:application/${name}`;
    case 'aws:athena/workgroup:Workgroup':
      return `arn:aws:athena:${region}:${account}:workgroup/${name}`;
    case 'aws:glue/catalogDatabase:CatalogDatabase':
      return `arn:aws:glue:${region}:${account}:database/${name}`;
    case 'aws:cloudwatch/eventRule:EventRule':
      return `arn:aws:events:${region}:${account}:rule/${name}`;
    default:
      return undefined;
  }
}

/** When the mocked engine registers a stream consumer: the creation time in its ARN. */
export const CONSUMER_CREATED = 1767225600;

/** An EC2 id (`vpc-…`, `subnet-…`, `sg-…`) that the mocked engine derives from a name, 17 hex digits like AWS's. */
export function mockEc2Id(prefix: string, name: string): string {
  return `${prefix}-${createHash('sha256').update(name).digest('hex').slice(0, 17)}`;
}

/**
 * What the awsx provider's Vpc component returns for its inputs: a VPC, and one subnet of each
 * spec per zone, private first (subnetStrategy Auto keeps the specs' order). Under mocks the
 * component's own children (subnets, route tables, NAT gateways) are the provider's business and
 * are not registered; its outputs are what the program reads.
 */
function mockAwsxVpc(name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const zones = (inputs.availabilityZoneNames as string[] | undefined) ?? [];
  const specs = (inputs.subnetSpecs as { type: string; name?: string }[] | undefined) ?? [];
  const subnetIds = (type: string) => specs.filter((spec) => spec.type === type).flatMap((spec) => zones.map((zone) => mockEc2Id('subnet', `${name}-${spec.name ?? type}-${zone}`)));
  const vpcId = mockEc2Id('vpc', name);
  return { ...inputs, vpcId, privateSubnetIds: subnetIds('Private'), publicSubnetIds: subnetIds('Public'), isolatedSubnetIds: subnetIds('Isolated') };
}

/** Physical ids and ARNs the mocked engine hands back, shaped like AWS's so that policies built from them read true. */
function mockState(args: pulumi.runtime.MockResourceArgs, account: string, region: string): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  const name = (inputs.name as string | undefined) ?? args.name;
  switch (args.type) {
    case 'aws:s3/bucket:Bucket': {
      const bucket = (inputs.bucket as string | undefined) ?? args.name;
      return { ...inputs, bucket, arn: awsArn(args.type, bucket, account), id: bucket };
    }
    case 'aws:kms/key:Key':
      return { ...inputs, arn: `arn:aws:kms:${region}:${account}:key/${args.name}`, keyId: args.name };
    case 'aws:kinesis/streamConsumer:StreamConsumer':
      return { ...inputs, arn: `${inputs.streamArn as string}/consumer/${name}:${CONSUMER_CREATED}`, name };
    case 'aws:iam/role:Role':
      // A role's id is its name, which is what RolePolicy.role takes.
      return { ...inputs, arn: awsArn(args.type, name, account), name, id: name };
    case 'awsx:ec2:Vpc':
      return mockAwsxVpc(args.name, inputs);
    case 'aws:ec2/securityGroup:SecurityGroup': {
      const id = mockEc2Id('sg', args.name);
      return { ...inputs, id, arn: `arn:aws:ec2:${region}:${account}:security-group/${id}` };
    }
    case 'awsx:ec2:Vpc':
      return mockAwsxVpc(args.name, inputs);
    case 'aws:ec2/securityGroup:SecurityGroup': {
      const id = mockEc2Id('sg', args.name);
      return { ...inputs, id, arn: `arn:aws:ec2:${region}:${account}:security-group/${id}` };
    }
    case 'aws:sqs/queue:Queue':
      return {
        ...inputs,
        arn: awsArn(args.type, name, account, region),
        name,
        id: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
        url: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
      };
    default:
      return { ...inputs, arn: awsArn(args.type, name, account, region) ?? `arn:aws:mock:${region}:${account}:${args.type.split(':')[1] ?? 'resource'}/${name}`, name };
  }
}

/**
 * Runs the real Pulumi program (`index.ts`) for a stack under mocks of the engine, and records
 * every resource with its inputs, provider and options. `stackName` runs the stack file's config
 * under another stack name.
 */
export async function runStackProgram(stack: string, edit?: (config: Record<string, any>) => void, stackName: string = stack): Promise<MockRun> {
  // A stand-in for the runner jar, which only `make flink-jar-cloud` builds.
  process.env.SLUICE_FLINK_JAR ??= join(REPO_ROOT, 'tests', 'fixtures', 'flink', 'sluice-flink-runner-kinesis.jar');
  const configMap = stackConfigMap(stack, edit);
  const account = JSON.parse(configMap['sluice:account']).id as string;
  const region = JSON.parse(configMap['sluice:account']).region as string;
  pulumi.runtime.setAllConfig(configMap);
  const byUrnName = new Map<string, RecordedResource>();
  const options = new Map<string, { protect: boolean; retainOnDelete: boolean; deleteBeforeReplace: boolean; parentName?: string; dependsOn: string[]; providers: string[] }>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = mockState(args, account, region);
        byUrnName.set(`${args.type}::${args.name}`, {
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider,
          protect: false,
          retainOnDelete: false,
          deleteBeforeReplace: false,
        });
        return { id: (state.id as string | undefined) ?? `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    'sluice',
    stackName,
    false,
  );
  const outputs = (await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      const deps = t.opts.dependsOn;
      const dependsOn = (Array.isArray(deps) ? deps : deps ? [deps] : []).map((d: any) => d?.__name as string);
      options.set(`${t.type}::${t.name}`, {
        protect: t.opts.protect === true,
        retainOnDelete: t.opts.retainOnDelete === true,
        deleteBeforeReplace: (t.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
        parentName: (t.opts.parent as any)?.__name,
        dependsOn,
        providers: providerNames((t.opts as pulumi.ComponentResourceOptions).providers),
      });
      return undefined;
    });
    const entry = require.resolve(join(REPO_ROOT, 'index.ts'));
    // The program reads its config at module load, so every run needs a fresh copy of the project's
    // modules. core/ reads none and stays: its classes (UserError) must remain the ones that code
    // loaded earlier in the same test process checks errors against.
    const core = join(REPO_ROOT, 'core') + '/';
    for (const cached of Object.keys(require.cache)) {
      if (cached.startsWith(REPO_ROOT) && !cached.includes('node_modules') && !cached.startsWith(core)) delete require.cache[cached];
    }
    return { ...require(entry) };
  })) as Record<string, unknown>;
  await new Promise((resolve) => setTimeout(resolve, 10));
  const resources = [...byUrnName.entries()].map(([key, r]) => ({ ...r, ...options.get(key) }));
  const resolved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(outputs ?? {})) resolved[k] = await resolveOutput(v);
  return {
    account,
    region,
    resources,
    outputs: resolved,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type, nameSuffix) {
      const found = resources.filter((r) => r.type === type && r.name.endsWith(nameSuffix));
      if (found.length !== 1)
        throw new Error(
          `expected one ${type} named *${nameSuffix}, found ${found.length}: ${resources
            .filter((r) => r.type === type)
            .map((r) => r.name)
            .join(', ')}`,
        );
      return found[0];
    },
  };
}

function providerNames(providers: pulumi.ComponentResourceOptions['providers']): string[] {
  return (Array.isArray(providers) ? providers : Object.values(providers ?? {})).map((p) => (p as any)?.__name as string);
}

async function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveOutput(v);
    return out;
  }
  return value;
}
