import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadNamedQueries } from '../../core/named-queries';
import { CURATED_EVENTS, glueType, LAKE_TABLES } from '../../core/lake/schema';
import { bundleFunction } from '../../infra/bundle';
import { namedQueryDescription } from '../../infra/analytics';
import { TIMESTAMP_FORMATS } from '../../infra/delivery';
import { registryEventTypes } from '../../core/events/registry';
import { MockRun, REPO_ROOT, runStackProgram } from '../support/pulumi';

const FIREHOSE = 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream';
const TABLE = 'aws:glue/catalogTable:CatalogTable';
const ACCOUNTS = { dev: '111111111111', prod: '222222222222' } as const;

type Stack = keyof typeof ACCOUNTS;
const keyArn = (stack: Stack) => `arn:aws:kms:eu-west-1:${ACCOUNTS[stack]}:key/sluice-${stack}-kms-key`;
const lakeArn = (stack: Stack) => `arn:aws:s3:::sluice-${stack}-${ACCOUNTS[stack]}-lake`;
const streamArn = (stack: Stack, name: string) => `arn:aws:kinesis:eu-west-1:${ACCOUNTS[stack]}:stream/sluice-${stack}-${name}`;

/** Every Resource of every Allow statement of a policy document, flattened. */
function resourcesOf(policy: any): string[] {
  return policy.Statement.flatMap((s: any) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
}

describe('infra: delivery, catalog and analytics under mocks', () => {
  const runs = {} as Record<Stack, MockRun>;
  before(async () => {
    runs.dev = await runStackProgram('dev');
    runs.prod = await runStackProgram('prod');
  });

  for (const stack of ['dev', 'prod'] as const) {
    describe(`${stack} stack`, () => {
      const firehose = (name: string) => runs[stack].one(FIREHOSE, `-delivery-${name}`).inputs;
      const buffering = { dev: { bufferingInterval: 60, bufferingSize: 128 }, prod: { bufferingInterval: 300, bufferingSize: 128 } }[stack];

      it('archives the events stream as gzip JSON lines under raw/dt=../hour=.. of arrival', () => {
        const f = firehose('archive');
        expect(f.destination).to.equal('extended_s3');
        expect(f.kinesisSourceConfiguration.kinesisStreamArn).to.equal(streamArn(stack, 'events'));
        const s3 = f.extendedS3Configuration;
        expect(s3).to.include({
          bucketArn: lakeArn(stack),
          prefix: 'raw/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
          errorOutputPrefix: 'errors/delivery/archive/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
          compressionFormat: 'GZIP',
          fileExtension: '.json.gz',
          kmsKeyArn: keyArn(stack),
          ...buffering,
        });
        expect(s3.processingConfiguration).to.deep.equal({ enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] });
        expect(s3.dataFormatConversionConfiguration).to.equal(undefined);
        expect(s3.cloudwatchLoggingOptions).to.deep.equal({ enabled: true, logGroupName: `/aws/kinesisfirehose/sluice-${stack}-archive`, logStreamName: 'DestinationDelivery' });
      });

      it('converts processed events to Parquet through the transform, partitioned by its keys', () => {
        const f = firehose('curated');
        expect(f.kinesisSourceConfiguration.kinesisStreamArn).to.equal(streamArn(stack, 'processed'));
        const s3 = f.extendedS3Configuration;
        expect(s3).to.include({
          prefix: 'curated/events/event_type=!{partitionKeyFromLambda:event_type}/created_date=!{partitionKeyFromLambda:created_date}/',
          errorOutputPrefix: 'errors/delivery/curated/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
          compressionFormat: 'UNCOMPRESSED',
          fileExtension: '.parquet',
          kmsKeyArn: keyArn(stack),
          ...buffering,
        });
        expect(s3.dynamicPartitioningConfiguration).to.deep.equal({ enabled: true, retryDuration: 300 });
        const transformArn = `arn:aws:lambda:eu-west-1:${ACCOUNTS[stack]}:function:sluice-${stack}-firehose-transform`;
        expect(s3.processingConfiguration.processors).to.deep.equal([
          {
            type: 'Lambda',
            // Firehose's defaults (1 MB, 60 s, 3 retries) are not sent: it does not return them, so they would diff forever.
            parameters: [{ parameterName: 'LambdaArn', parameterValue: transformArn }],
          },
        ]);
        const conversion = s3.dataFormatConversionConfiguration;
        expect(conversion.inputFormatConfiguration.deserializer.hiveJsonSerDe.timestampFormats[0]).to.equal('millis');
        expect(conversion.outputFormatConfiguration).to.deep.equal({ serializer: { parquetSerDe: { compression: 'SNAPPY' } } });
        expect(conversion.schemaConfiguration).to.deep.include({ databaseName: `sluice_${stack}`, tableName: 'events', catalogId: ACCOUNTS[stack], region: 'eu-west-1', versionId: 'LATEST' });
      });

      it('converts aggregates to Parquet partitioned by the window date taken from window_start', () => {
        const s3 = firehose('aggregates').extendedS3Configuration;
        expect(firehose('aggregates').kinesisSourceConfiguration.kinesisStreamArn).to.equal(streamArn(stack, 'aggregates'));
        expect(s3).to.include({ prefix: 'curated/aggregates/window_date=!{partitionKeyFromQuery:window_date}/', compressionFormat: 'UNCOMPRESSED', ...buffering });
        expect(s3.processingConfiguration.processors).to.deep.equal([
          {
            type: 'MetadataExtraction',
            parameters: [
              { parameterName: 'MetadataExtractionQuery', parameterValue: '{window_date: .window_start[0:10]}' },
              { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
            ],
          },
        ]);
        expect(s3.dataFormatConversionConfiguration.schemaConfiguration.tableName).to.equal('aggregates');
      });

      it('gives each delivery stream a role Firehose assumes for this account only, scoped to its stream, prefixes, key and logs', () => {
        for (const [delivery, source, prefix] of [
          ['archive', 'events', 'raw/'],
          ['curated', 'processed', 'curated/events/'],
          ['aggregates', 'aggregates', 'curated/aggregates/'],
        ] as const) {
          const role = runs[stack].one('aws:iam/role:Role', `-delivery-${delivery}-role`).inputs;
          expect(JSON.parse(role.assumeRolePolicy).Statement).to.deep.equal([
            { Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': ACCOUNTS[stack] } } },
          ]);
          const policy = JSON.parse(runs[stack].one('aws:iam/rolePolicy:RolePolicy', `-delivery-${delivery}-policy`).inputs.policy);
          expect(resourcesOf(policy)).to.not.include('*');
          const sid = (s: string) => policy.Statement.find((x: any) => x.Sid === s);
          expect(sid('ReadSourceStream').Resource).to.equal(streamArn(stack, source));
          expect(sid('WriteOwnPrefixes').Resource).to.deep.equal([`${lakeArn(stack)}/${prefix}*`, `${lakeArn(stack)}/errors/delivery/${delivery}/*`]);
          expect(sid('StackKeyForStreamAndLake').Resource).to.equal(keyArn(stack));
          expect(sid('InvokeTransform') !== undefined).to.equal(delivery === 'curated');
          expect(sid('ReadTableSchema') !== undefined).to.equal(delivery !== 'archive');
        }
      });

      it('runs the transform on nodejs24.x arm64 with logs in its own encrypted log group', () => {
        const fn = runs[stack].one('aws:lambda/function:Function', '-delivery-transform').inputs;
        expect(fn).to.include({ runtime: 'nodejs24.x', handler: 'index.handler', name: `sluice-${stack}-firehose-transform`, kmsKeyArn: keyArn(stack) });
        expect(fn.architectures).to.deep.equal(['arm64']);
        expect(fn.loggingConfig).to.deep.equal({ logFormat: 'JSON', logGroup: `/aws/lambda/sluice-${stack}-firehose-transform` });
        const retention = { dev: 14, prod: 90 }[stack];
        for (const group of runs[stack].ofType('aws:cloudwatch/logGroup:LogGroup').filter((g) => g.name.includes('-delivery-'))) {
          expect(group.inputs, group.name).to.include({ kmsKeyId: keyArn(stack), retentionInDays: retention });
        }
      });

      it('declares every lake table with the schema module columns, SerDe, location and projection', () => {
        const tables = runs[stack].ofType(TABLE);
        expect(tables.map((t) => t.inputs.name).sort()).to.deep.equal(LAKE_TABLES.map((t) => t.name).sort());
        for (const def of LAKE_TABLES) {
          const t = tables.find((x) => x.inputs.name === def.name)!.inputs;
          expect(t.databaseName).to.equal(`sluice_${stack}`);
          expect(t.tableType).to.equal('EXTERNAL_TABLE');
          expect(t.storageDescriptor.columns).to.deep.equal(def.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.comment })));
          expect(t.partitionKeys.map((k: any) => [k.name, k.type])).to.deep.equal(def.partitionKeys.map((k) => [k.name, 'string']));
          expect(t.storageDescriptor.location).to.equal(`s3://sluice-${stack}-${ACCOUNTS[stack]}-lake/${def.prefix}`);
          const serde = def.format === 'parquet' ? 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' : 'org.openx.data.jsonserde.JsonSerDe';
          expect(t.storageDescriptor.serDeInfo.serializationLibrary).to.equal(serde);
          expect(t.parameters['projection.enabled']).to.equal('true');
        }
        const param = (name: string) => tables.find((x) => x.inputs.name === name)!.inputs.parameters;
        const lake = `s3://sluice-${stack}-${ACCOUNTS[stack]}-lake`;
        expect(param('raw_events')).to.deep.include({
          'storage.location.template': `${lake}/raw/dt=\${dt}/hour=\${hour}/`,
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${{ dev: 60, prod: 730 }[stack]}DAYS,NOW`,
          'projection.hour.type': 'integer',
          'projection.hour.range': '0,23',
          'projection.hour.digits': '2',
          compressionType: 'gzip',
        });
        expect(param('events')).to.deep.include({
          'storage.location.template': `${lake}/curated/events/event_type=\${event_type}/created_date=\${created_date}/`,
          'projection.created_date.type': 'date',
          'projection.created_date.range': 'NOW-5YEARS,NOW+1DAYS',
          'projection.created_date.interval.unit': 'DAYS',
        });
        expect(param('aggregates')).to.deep.include({
          'storage.location.template': `${lake}/curated/aggregates/window_date=\${window_date}/`,
          'projection.window_date.type': 'date',
        });
        expect(param('errors')).to.deep.include({
          'storage.location.template': `${lake}/errors/source=\${source}/dt=\${dt}/`,
          'projection.source.type': 'enum',
          'projection.dt.type': 'date',
        });
      });

      it('creates no crawler', () => {
        expect(runs[stack].ofType('aws:glue/crawler:Crawler')).to.deep.equal([]);
      });

      it('runs the analysts in an enforced engine-v3 workgroup with encrypted results and the configured scan limit', () => {
        const wg = runs[stack].one('aws:athena/workgroup:Workgroup', '-analytics-workgroup').inputs;
        expect(wg.name).to.equal(`sluice-${stack}-analysts`);
        expect(wg.configuration).to.deep.equal({
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: { dev: 1073741824, prod: 107374182400 }[stack],
          engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
          resultConfiguration: {
            outputLocation: `s3://sluice-${stack}-${ACCOUNTS[stack]}-athena-results/workgroup/`,
            encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: keyArn(stack) },
          },
        });
      });

      it('publishes every sql/athena file as a named query in the workgroup and database', () => {
        const queries = runs[stack].ofType('aws:athena/namedQuery:NamedQuery').map((q) => q.inputs);
        expect(queries.map((q) => q.name).sort()).to.deep.equal(loadNamedQueries().map((q) => q.name));
        for (const q of loadNamedQueries()) {
          const published = queries.find((x) => x.name === q.name)!;
          expect(published).to.deep.equal({ name: q.name, description: namedQueryDescription(q), database: `sluice_${stack}`, workgroup: `sluice-${stack}-analysts`, query: q.sql });
        }
        expect(queries.find((x) => x.name === 'latest-events')!.description).to.equal(
          'The latest curated events of one event type, newest event time first. Parameters: :event_type (event_type), :since_date (date), :limit (integer, default 100); ' +
            'run it with: npx sluice query latest-events --stack <stack> --param <name>=<value>.',
        );
      });

      it('limits the analyst policy to the workgroup, the stack tables, the curated zone, the results and the key via S3', () => {
        const policy = JSON.parse(runs[stack].one('aws:iam/policy:Policy', '-analytics-analyst-policy').inputs.policy);
        const account = ACCOUNTS[stack];
        const results = `arn:aws:s3:::sluice-${stack}-${account}-athena-results`;
        expect(policy.Statement.every((s: any) => s.Effect === 'Allow')).to.equal(true);
        expect(resourcesOf(policy).sort()).to.deep.equal(
          [
            `arn:aws:athena:eu-west-1:${account}:workgroup/sluice-${stack}-analysts`,
            `arn:aws:athena:eu-west-1:${account}:datacatalog/AwsDataCatalog`,
            `arn:aws:glue:eu-west-1:${account}:catalog`,
            `arn:aws:glue:eu-west-1:${account}:database/sluice_${stack}`,
            `arn:aws:glue:eu-west-1:${account}:table/sluice_${stack}/*`,
            lakeArn(stack),
            lakeArn(stack),
            results,
            `${lakeArn(stack)}/curated/events/*`,
            `${lakeArn(stack)}/curated/aggregates/*`,
            results,
            results,
            `${results}/workgroup/*`,
            keyArn(stack),
          ].sort(),
        );
        const actions = policy.Statement.flatMap((s: any) => s.Action);
        expect(actions.filter((a: string) => a.endsWith('*'))).to.deep.equal([]);
        expect(actions.filter((a: string) => /^(s3|glue):(Put|Delete|Create|Update|Batch(Create|Delete|Update))/.test(a))).to.deep.equal(['s3:PutObject']);
        const key = policy.Statement.find((s: any) => s.Sid === 'StackKeyThroughS3');
        expect(key.Action).to.deep.equal(['kms:Decrypt', 'kms:GenerateDataKey']);
        expect(key.Condition).to.deep.equal({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
        const put = policy.Statement.find((s: any) => [s.Action].flat().includes('s3:PutObject'));
        expect(put.Resource).to.equal(`${results}/workgroup/*`);
      });

      it('protects the Glue database like the other stateful resources', () => {
        const db = runs[stack].one('aws:glue/catalogDatabase:CatalogDatabase', '-catalog-database');
        expect(db.inputs.name).to.equal(`sluice_${stack}`);
        expect(db.protect).to.equal(stack === 'prod');
        expect(db.retainOnDelete).to.equal(stack === 'prod');
        for (const table of runs[stack].ofType(TABLE)) expect([table.protect, table.retainOnDelete], table.name).to.deep.equal([stack === 'prod', stack === 'prod']);
      });
    });
  }

  it('projects event types from the schema registry where unknown names are rejected, injected where accepted', () => {
    const events = (stack: Stack) => runs[stack].ofType(TABLE).find((t) => t.inputs.name === CURATED_EVENTS.name)!.inputs.parameters;
    const types = registryEventTypes();
    expect(types.length).to.be.greaterThan(0);
    expect(types.every((t) => /^[a-z0-9_]+$/.test(t))).to.equal(true);
    expect(events('prod')['projection.event_type.type']).to.equal('enum');
    expect(events('prod')['projection.event_type.values']).to.equal(types.join(','));
    expect(events('dev')['projection.event_type.type']).to.equal('injected');
    expect(events('dev')['projection.event_type.values']).to.equal(undefined);
  });

  it('projects error-zone sources from the configured file-drop sources and the stream', () => {
    for (const stack of ['dev', 'prod'] as const) {
      const errors = runs[stack].ofType(TABLE).find((t) => t.inputs.name === 'errors')!.inputs.parameters;
      expect(errors['projection.source.values'].split(',').at(-1)).to.equal('stream');
      expect(errors['projection.source.values'].split(',').length).to.be.greaterThan(1);
    }
  });

  it('parses the window timestamps exactly as the aggregate job formats them', () => {
    const job = readFileSync(join(REPO_ROOT, 'sql', 'flink', 'aggregate', 'job.sql'), 'utf8');
    const formats = [...job.matchAll(/DATE_FORMAT\((window_start|window_end), '((?:[^']|'')*)'\)/g)].map((m) => [m[1], m[2]!.replace(/''/g, "'")]);
    expect(formats).to.deep.equal([
      ['window_start', "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"],
      ['window_end', "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"],
    ]);
    expect(TIMESTAMP_FORMATS).to.include(formats[0]![1]);
  });

  it('bundles the transform into one index.js whose handler answers a real Firehose event', async () => {
    const bundle = bundleFunction('functions/firehose-transform/index.ts');
    expect(bundle.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(bundleFunction('functions/firehose-transform/index.ts').sha256).to.equal(bundle.sha256);
    const code = (await ((await bundle.code.assets)['index.js'] as any).text) as string;
    const mod = { exports: {} as any };
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(join(REPO_ROOT, 'index.js')));
    const event = require(join(REPO_ROOT, '..', 'shared', 'fixtures', 'aws-events', 'powertools', 'kinesis-firehose.json'));
    const response = await mod.exports.handler(event);
    expect(response.records.map((r: any) => [r.recordId, r.result])).to.deep.equal([
      ['record1', 'ProcessingFailed'],
      ['record2', 'ProcessingFailed'],
    ]);
  });
});
