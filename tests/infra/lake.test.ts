import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadNamedQueries } from '../../core/named-queries';
import { ERRORS, glueType, LAKE_AGGREGATES, LAKE_EVENTS, RAW_EVENTS } from '../../core/lake/schema';
import { namedQueryDescription } from '../../infra/analytics';
import { type DocumentRequest, allowedActions, deniedPaths, pathsNeedingEachAction } from '../support/iam';
import { MockRun, REPO_ROOT, runStackProgram } from '../support/pulumi';

const FIREHOSE = 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream';
const TABLE = 'aws:glue/catalogTable:CatalogTable';
const OPTIMIZER = 'aws:glue/catalogTableOptimizer:CatalogTableOptimizer';
const ACCOUNTS = { dev: '111111111111', prod: '222222222222' } as const;

type Stack = keyof typeof ACCOUNTS;
const keyArn = (stack: Stack) => `arn:aws:kms:eu-west-1:${ACCOUNTS[stack]}:key/sluice-${stack}-kms-key`;
const lakeArn = (stack: Stack) => `arn:aws:s3:::sluice-${stack}-${ACCOUNTS[stack]}-lake`;
const streamArn = (stack: Stack, name: string) => `arn:aws:kinesis:eu-west-1:${ACCOUNTS[stack]}:stream/sluice-${stack}-${name}`;

const EVENTS_FIELDS = [
  ['event_uuid', 'string'],
  ['event_name', 'string'],
  ['event_type', 'string'],
  ['event_subtype', 'string'],
  ['created_at', 'double'],
  ['created_datetime', 'timestamp'],
  ['ingested_at', 'timestamp'],
  ['source', 'string'],
  ['payload', 'string'],
];
const AGGREGATES_FIELDS = [
  ['window_start', 'timestamp'],
  ['window_end', 'timestamp'],
  ['event_type', 'string'],
  ['event_subtype', 'string'],
  ['event_count', 'long'],
];

/** What the Glue table optimizers do to one curated table, as requests against their role. */
function optimizerPaths(stack: Stack, prefix: string, table: string): DocumentRequest[] {
  const account = ACCOUNTS[stack];
  const glue = (suffix: string) => `arn:aws:glue:eu-west-1:${account}:${suffix}`;
  const object = (key: string) => `${lakeArn(stack)}/${prefix}${key}`;
  const viaS3 = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' };
  const paths: DocumentRequest[] = [
    { why: 'compaction reads the small data files', action: 's3:GetObject', resource: object('data/event_type=account/00001.parquet') },
    { why: 'compaction writes the merged data file', action: 's3:PutObject', resource: object('data/event_type=account/00002.parquet') },
    { why: 'compaction and retention write the new metadata', action: 's3:PutObject', resource: object('metadata/00042.metadata.json') },
    { why: 'compaction and retention read the current metadata', action: 's3:GetObject', resource: object('metadata/00041.metadata.json') },
    { why: 'retention and orphan deletion delete unreferenced files', action: 's3:DeleteObject', resource: object('data/event_type=account/00001.parquet') },
    { why: 'orphan deletion lists the table location', action: 's3:ListBucket', resource: lakeArn(stack), context: { 's3:prefix': prefix } },
    { why: 'reading an SSE-KMS file', action: 'kms:Decrypt', resource: keyArn(stack), context: viaS3 },
    { why: 'writing an SSE-KMS file', action: 'kms:GenerateDataKey', resource: keyArn(stack), context: viaS3 },
  ];
  for (const resource of [glue('catalog'), glue(`database/sluice_${stack}`), glue(`table/sluice_${stack}/${table}`)]) {
    paths.push({ why: 'load the table', action: 'glue:GetTable', resource }, { why: 'commit the rewrite', action: 'glue:UpdateTable', resource });
  }
  for (const group of ['iceberg-compaction', 'iceberg-retention', 'iceberg-orphan-file-deletion']) {
    const arn = `arn:aws:logs:eu-west-1:${account}:log-group:/aws-glue/${group}/logs`;
    paths.push(
      { why: `${group} opens its log group`, action: 'logs:CreateLogGroup', resource: arn },
      { why: `${group} opens a run's log stream`, action: 'logs:CreateLogStream', resource: `${arn}:log-stream:run-1` },
      { why: `${group} logs a run`, action: 'logs:PutLogEvents', resource: `${arn}:log-stream:run-1` },
    );
  }
  return paths;
}

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

      it('delivers nothing but the archive: no curated or aggregates stream, no transform Lambda', () => {
        expect(runs[stack].ofType(FIREHOSE).map((f) => f.inputs.name)).to.deep.equal([`sluice-${stack}-archive`]);
        expect(runs[stack].ofType(FIREHOSE).map((f) => f.inputs.kinesisSourceConfiguration.kinesisStreamArn)).to.deep.equal([streamArn(stack, 'events')]);
        expect(
          runs[stack]
            .ofType('aws:lambda/function:Function')
            .map((f) => f.inputs.name)
            .filter((n: string) => /transform|firehose/.test(n)),
        ).to.deep.equal([]);
        expect(runs[stack].ofType('aws:lambda/permission:Permission').filter((p) => /transform/.test(p.name))).to.deep.equal([]);
        expect(existsSync(join(REPO_ROOT, 'functions', 'firehose-transform'))).to.equal(false);
        for (const role of runs[stack].ofType('aws:iam/rolePolicy:RolePolicy').filter((r) => r.name.includes('-delivery-'))) {
          expect(
            resourcesOf(JSON.parse(role.inputs.policy)).filter((r) => r.includes('curated/')),
            role.name,
          ).to.deep.equal([]);
        }
      });

      it('gives each delivery stream a role Firehose assumes for this account only, scoped to its stream, prefixes, key and logs', () => {
        for (const [delivery, source, prefix] of [['archive', 'events', 'raw/']] as const) {
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
          expect(policy.Statement.map((x: any) => x.Sid)).to.deep.equal(['ReadSourceStream', 'LocateLakeBucket', 'WriteOwnPrefixes', 'StackKeyForStreamAndLake', 'DeliveryErrorLogs']);
        }
      });

      it('encrypts the delivery log group with the stack key', () => {
        const retention = { dev: 14, prod: 90 }[stack];
        const groups = runs[stack].ofType('aws:cloudwatch/logGroup:LogGroup').filter((g) => g.name.includes('-delivery-'));
        expect(groups.map((g) => g.inputs.name)).to.deep.equal([`/aws/kinesisfirehose/sluice-${stack}-archive`]);
        for (const group of groups) expect(group.inputs, group.name).to.include({ kmsKeyId: keyArn(stack), retentionInDays: retention });
      });

      it('declares the raw and error zones as Hive tables with the schema module columns, SerDe, location and projection', () => {
        const tables = runs[stack].ofType(TABLE).filter((t) => t.inputs.openTableFormatInput === undefined);
        expect(tables.map((t) => t.inputs.name).sort()).to.deep.equal(['errors', 'raw_events']);
        for (const def of [RAW_EVENTS, ERRORS]) {
          const t = tables.find((x) => x.inputs.name === def.name)!.inputs;
          expect(t.databaseName).to.equal(`sluice_${stack}`);
          expect(t.tableType).to.equal('EXTERNAL_TABLE');
          expect(t.storageDescriptor.columns).to.deep.equal(def.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.comment })));
          expect(t.partitionKeys.map((k: any) => [k.name, k.type])).to.deep.equal(def.partitionKeys.map((k) => [k.name, 'string']));
          expect(t.storageDescriptor.location).to.equal(`s3://sluice-${stack}-${ACCOUNTS[stack]}-lake/${def.prefix}`);
          expect(t.storageDescriptor.serDeInfo.serializationLibrary).to.equal('org.openx.data.jsonserde.JsonSerDe');
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
        expect(param('errors')).to.deep.include({
          'storage.location.template': `${lake}/errors/source=\${source}/dt=\${dt}/`,
          'projection.source.type': 'enum',
          'projection.dt.type': 'date',
        });
      });

      describe('the curated Iceberg tables', () => {
        const lake = () => `s3://sluice-${stack}-${ACCOUNTS[stack]}-lake`;
        const iceberg = (name: string) => runs[stack].ofType(TABLE).find((t) => t.inputs.name === name && t.inputs.openTableFormatInput)!;

        it('declares events and aggregates as Iceberg v2 tables under curated/, created by Glue, nothing else about them', () => {
          for (const [name, prefix] of [
            ['events', 'curated/events'],
            ['aggregates', 'curated/aggregates'],
          ] as const) {
            const t = iceberg(name);
            expect(Object.keys(t.inputs).sort(), name).to.deep.equal(['catalogId', 'databaseName', 'name', 'openTableFormatInput']);
            expect(t.inputs).to.deep.include({ name, databaseName: `sluice_${stack}`, catalogId: ACCOUNTS[stack] });
            const input = t.inputs.openTableFormatInput.icebergInput;
            expect(input.metadataOperation).to.equal('CREATE');
            expect(input.version).to.equal('2');
            expect(input.icebergTableInput.location).to.equal(`${lake()}/${prefix}`);
            expect(input.icebergTableInput.schema.schemaId).to.equal(0);
            expect(input.icebergTableInput.schema.type).to.equal('struct');
            expect(input.icebergTableInput.properties).to.deep.equal({
              'write.format.default': 'parquet',
              'write.parquet.compression-codec': 'zstd',
              'write.parquet.compression-level': '1',
              'parquet.enable.dictionary': 'false',
              'write.metadata.delete-after-commit.enabled': 'true',
              'write.metadata.previous-versions-max': '100',
            });
          }
        });

        it('gives them the schema module columns, in order, optional, with Iceberg types and the column docs', () => {
          for (const [def, expected] of [
            [LAKE_EVENTS, EVENTS_FIELDS],
            [LAKE_AGGREGATES, AGGREGATES_FIELDS],
          ] as const) {
            const fields = iceberg(def.name).inputs.openTableFormatInput.icebergInput.icebergTableInput.schema.fields;
            expect(fields.map((f: any) => [f.name, JSON.parse(f.type)])).to.deep.equal(expected);
            expect(fields.map((f: any) => f.id)).to.deep.equal(expected.map((_, i) => i + 1));
            expect(fields.every((f: any) => f.required === false)).to.equal(true);
            const comments = new Map(def.columns.map((c) => [c.name, c.comment]));
            for (const f of fields) expect(f.doc, f.name).to.equal(comments.get(f.name));
          }
        });

        it('partitions events by event type and event date, aggregates by window date, through Iceberg transforms', () => {
          const spec = (name: string) => iceberg(name).inputs.openTableFormatInput.icebergInput.icebergTableInput.partitionSpec;
          expect(spec('events')).to.deep.equal({
            specId: 0,
            fields: [
              { name: 'event_type', sourceId: 3, fieldId: 1000, transform: 'identity' },
              { name: 'created_datetime_day', sourceId: 6, fieldId: 1001, transform: 'day' },
            ],
          });
          expect(spec('aggregates')).to.deep.equal({ specId: 0, fields: [{ name: 'window_start_day', sourceId: 1, fieldId: 1000, transform: 'day' }] });
        });

        it('protects the tables in prod and replaces a table by deleting the old one first (the name stays)', () => {
          for (const name of ['events', 'aggregates']) {
            const t = iceberg(name);
            expect(t.protect, name).to.equal(stack === 'prod');
            expect(t.retainOnDelete, name).to.equal(stack === 'prod');
            expect(t.deleteBeforeReplace, name).to.equal(true);
          }
        });

        it('runs compaction, snapshot retention and orphan-file deletion on each table with the optimizer role', () => {
          const roleArn = `arn:aws:iam::${ACCOUNTS[stack]}:role/sluice-${stack}-table-optimizer`;
          const optimizers = runs[stack].ofType(OPTIMIZER).map((o) => o.inputs);
          expect(optimizers.map((o) => `${o.tableName}/${o.type}`).sort()).to.deep.equal([
            'aggregates/compaction',
            'aggregates/orphan_file_deletion',
            'aggregates/retention',
            'events/compaction',
            'events/orphan_file_deletion',
            'events/retention',
          ]);
          for (const o of optimizers) {
            expect(o).to.deep.include({ catalogId: ACCOUNTS[stack], databaseName: `sluice_${stack}` });
            expect(o.configuration.roleArn).to.equal(roleArn);
            expect(o.configuration.enabled).to.equal(true);
            const { roleArn: _r, enabled: _e, ...settings } = o.configuration;
            expect(settings, `${o.tableName}/${o.type}`).to.deep.equal(
              {
                compaction: { compactionConfiguration: { icebergConfiguration: { strategy: 'binpack' } } },
                retention: { retentionConfiguration: { icebergConfiguration: { snapshotRetentionPeriodInDays: 1, numberOfSnapshotsToRetain: 10, runRateInHours: 3, cleanExpiredFiles: true } } },
                orphan_file_deletion: { orphanFileDeletionConfiguration: { icebergConfiguration: { orphanFileRetentionPeriodInDays: 3, runRateInHours: 24 } } },
              }[o.type as string],
            );
          }
        });

        it('lets only Glue assume the optimizer role, and its log groups are encrypted with the stack key', () => {
          const role = runs[stack].one('aws:iam/role:Role', '-catalog-optimizer-role').inputs;
          expect(role.name).to.equal(`sluice-${stack}-table-optimizer`);
          expect(JSON.parse(role.assumeRolePolicy).Statement).to.deep.equal([{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
          const groups = runs[stack].ofType('aws:cloudwatch/logGroup:LogGroup').filter((g) => g.inputs.name.startsWith('/aws-glue/'));
          expect(groups.map((g) => g.inputs.name).sort()).to.deep.equal(['/aws-glue/iceberg-compaction/logs', '/aws-glue/iceberg-orphan-file-deletion/logs', '/aws-glue/iceberg-retention/logs']);
          for (const g of groups) expect(g.inputs).to.include({ kmsKeyId: keyArn(stack), retentionInDays: { dev: 14, prod: 90 }[stack] });
        });

        it('grants the optimizer role what the optimizers do to the curated tables, each action needed, and nothing beyond them', () => {
          const policy = JSON.parse(runs[stack].one('aws:iam/rolePolicy:RolePolicy', '-catalog-optimizer-policy').inputs.policy);
          const paths = [...optimizerPaths(stack, 'curated/events/', 'events'), ...optimizerPaths(stack, 'curated/aggregates/', 'aggregates')];
          expect(deniedPaths(policy, paths)).to.deep.equal([]);
          const needed = pathsNeedingEachAction(policy, paths);
          expect(
            Object.entries(needed)
              .filter(([, failing]) => failing.length === 0)
              .map(([action]) => action),
          ).to.deep.equal([]);
          expect(allowedActions(policy)).to.deep.equal([
            'glue:GetTable',
            'glue:UpdateTable',
            'kms:Decrypt',
            'kms:GenerateDataKey',
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            's3:DeleteObject',
            's3:GetObject',
            's3:ListBucket',
            's3:PutObject',
          ]);
          const glue = (suffix: string) => `arn:aws:glue:eu-west-1:${ACCOUNTS[stack]}:${suffix}`;
          const outside: DocumentRequest[] = [
            { why: 'the raw zone', action: 's3:DeleteObject', resource: `${lakeArn(stack)}/raw/dt=2026-03-17/hour=10/a.json.gz` },
            { why: 'the error zone', action: 's3:GetObject', resource: `${lakeArn(stack)}/errors/source=stream/dt=2026-03-17/a.jsonl` },
            { why: 'the runner jar', action: 's3:PutObject', resource: `${lakeArn(stack)}/artifacts/flink/runner.jar` },
            { why: 'a prefix that only starts like a table', action: 's3:DeleteObject', resource: `${lakeArn(stack)}/curated/events_old/a.parquet` },
            { why: 'listing the raw zone', action: 's3:ListBucket', resource: lakeArn(stack), context: { 's3:prefix': 'raw/' } },
            { why: 'listing the whole bucket', action: 's3:ListBucket', resource: lakeArn(stack) },
            { why: 'another table', action: 'glue:UpdateTable', resource: glue(`table/sluice_${stack}/raw_events`) },
            { why: 'dropping a table', action: 'glue:DeleteTable', resource: glue(`table/sluice_${stack}/events`) },
            { why: 'the key outside S3', action: 'kms:Decrypt', resource: keyArn(stack), context: { 'kms:ViaService': 'kinesis.eu-west-1.amazonaws.com' } },
            { why: 'another log group', action: 'logs:PutLogEvents', resource: `arn:aws:logs:eu-west-1:${ACCOUNTS[stack]}:log-group:/aws/lambda/x:log-stream:y` },
          ];
          expect(deniedPaths(policy, outside)).to.have.length(outside.length);
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

  it('leaves no Hive partition column of the curated tables in a named query, so every query runs on the Iceberg tables', () => {
    for (const q of loadNamedQueries()) {
      const sql = q.sql.replace(/--[^\n]*/g, '');
      expect(sql.match(/\b(created_date|window_date)\b/g), q.name).to.equal(null);
    }
  });

  it('projects error-zone sources from the configured file-drop sources and the stream', () => {
    for (const stack of ['dev', 'prod'] as const) {
      const errors = runs[stack].ofType(TABLE).find((t) => t.inputs.name === 'errors')!.inputs.parameters;
      expect(errors['projection.source.values'].split(',').at(-1)).to.equal('stream');
      expect(errors['projection.source.values'].split(',').length).to.be.greaterThan(1);
    }
  });
});
