import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackFile } from '../../stacks/file';
import { ConfigError, configKey, loadStackConfig, sluiceValues } from '../../stacks/load';
import { configProblems, TEST_ACCOUNT as ACCOUNT } from '../support/config';
import { REPO_ROOT } from '../support/pulumi';

const problemsOf = configProblems;

describe('stack configuration', () => {
  describe('defaults', () => {
    it('fills every default from an account-only config', () => {
      const c = loadStackConfig('test', { account: ACCOUNT });
      expect(c.stack).to.equal('test');
      expect(c.protection).to.deep.equal({ stateful: false });
      expect(c.kms).to.deep.equal({ rotation: true, deletionWindowDays: 30 });
      expect(c.streams.events).to.deep.equal({ capacityMode: 'ON_DEMAND', retentionHours: 24 });
      expect(c.lake.lifecycle).to.deep.equal({
        rawGlacierDays: 90,
        rawExpireDays: 365,
        curatedInfrequentAccessDays: 90,
        errorsExpireDays: 90,
        noncurrentVersionExpireDays: 30,
        landingExpireDays: 30,
        athenaResultsExpireDays: 7,
      });
      expect(c.processing).to.deep.include({ dedupTtlHours: 24, maxFutureSkewSeconds: 300, windowSeconds: 60, allowedLatenessSeconds: 30 });
      expect(c.validation.unknownEventNames).to.equal('accept');
      expect(c.logs.retentionDays).to.equal(30);
      expect(c.tags).to.deep.equal({});
    });

    it('returns a deeply frozen object', () => {
      const c = loadStackConfig('test', { account: ACCOUNT, processing: { excludeEventTypes: ['debug'] } });
      expect(Object.isFrozen(c)).to.equal(true);
      expect(Object.isFrozen(c.streams.events)).to.equal(true);
      expect(Object.isFrozen(c.processing.excludeEventTypes)).to.equal(true);
    });

    it('does not modify the values it was given', () => {
      const values = { account: { ...ACCOUNT }, streams: {} };
      loadStackConfig('test', values);
      expect(values.streams).to.deep.equal({});
    });
  });

  describe('one message per rule, naming key, rule and fix', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing account', {}, "sluice:account is required but missing; add it to the stack's config file"],
      ['missing account key', { account: { id: ACCOUNT.id, region: ACCOUNT.region } }, "sluice:account.deployRoleArn is required but missing; add it to the stack's config file"],
      [
        'account id not 12 digits',
        { account: { ...ACCOUNT, id: '1234' } },
        'sluice:account.id must be a 12-digit AWS account id (got "1234"); quote it in YAML so leading zeros survive, e.g. "111111111111"',
      ],
      ['account id as a number', { account: { ...ACCOUNT, id: 111111111111 } }, 'sluice:account.id must be a string (got number 111111111111); change its value to a string (quote it in YAML)'],
      ['bad region', { account: { ...ACCOUNT, region: 'Ireland' } }, 'sluice:account.region must be an AWS region name (got "Ireland"); use a region code such as "eu-west-1"'],
      [
        'role ARN malformed',
        { account: { ...ACCOUNT, deployRoleArn: 'sluice-deploy' } },
        'sluice:account.deployRoleArn must be an IAM role ARN (got "sluice-deploy"); use the ARN of the deploy role, e.g. "arn:aws:iam::111111111111:role/sluice-deploy"',
      ],
      [
        'role in another account',
        { account: { ...ACCOUNT, deployRoleArn: 'arn:aws:iam::222222222222:role/sluice-deploy' } },
        "sluice:account.deployRoleArn must be a role in the stack's account 111111111111 (got a role in 222222222222); use the deploy role of account 111111111111, or correct sluice:account.id if the role is right",
      ],
      [
        'retention too low',
        { account: ACCOUNT, streams: { events: { retentionHours: 12 } } },
        'sluice:streams.events.retentionHours must be between 24 and 8760 (got 12); raise it or remove it to use 24',
      ],
      [
        'retention too high',
        { account: ACCOUNT, streams: { ingest: { retentionHours: 9000 } } },
        'sluice:streams.ingest.retentionHours must be between 24 and 8760 (got 9000); lower it or remove it to use 24',
      ],
      [
        'retention not an integer',
        { account: ACCOUNT, streams: { ingest: { retentionHours: 'long' } } },
        'sluice:streams.ingest.retentionHours must be an integer (got string "long"); change its value to an integer',
      ],
      [
        'unknown capacity mode',
        { account: ACCOUNT, streams: { events: { capacityMode: 'AUTO' } } },
        'sluice:streams.events.capacityMode must be one of "ON_DEMAND", "PROVISIONED" (got "AUTO"); pick one of those or remove it to use "ON_DEMAND"',
      ],
      [
        'provisioned without shards',
        { account: ACCOUNT, streams: { events: { capacityMode: 'PROVISIONED' } } },
        'sluice:streams.events.shardCount is required when capacityMode is PROVISIONED; set it, or use capacityMode ON_DEMAND',
      ],
      [
        'on-demand with shards',
        { account: ACCOUNT, streams: { events: { shardCount: 2 } } },
        'sluice:streams.events.shardCount must not be set when capacityMode is ON_DEMAND (got 2); remove it, or use capacityMode PROVISIONED',
      ],
      [
        'too many shards',
        { account: ACCOUNT, streams: { events: { capacityMode: 'PROVISIONED', shardCount: 501 } } },
        'sluice:streams.events.shardCount must be between 1 and 500 (got 501); lower it, or ask AWS for a higher shard quota first',
      ],
      ['rotation not a boolean', { account: ACCOUNT, kms: { rotation: 'yes' } }, 'sluice:kms.rotation must be a boolean (got string "yes"); change its value to a boolean'],
      ['key deletion window', { account: ACCOUNT, kms: { deletionWindowDays: 3 } }, 'sluice:kms.deletionWindowDays must be between 7 and 30 (got 3); raise it or remove it to use 30'],
      [
        'lifecycle days',
        { account: ACCOUNT, lake: { lifecycle: { errorsExpireDays: 0 } } },
        'sluice:lake.lifecycle.errorsExpireDays must be between 1 and 3650 (got 0); raise it or remove it to use 90',
      ],
      [
        'glacier before expiry',
        { account: ACCOUNT, lake: { lifecycle: { rawGlacierDays: 400, rawExpireDays: 365 } } },
        'sluice:lake.lifecycle.rawExpireDays must be greater than rawGlacierDays (365 <= 400); raise rawExpireDays or lower rawGlacierDays',
      ],
      ['protection flag type', { account: ACCOUNT, protection: { stateful: 'true' } }, 'sluice:protection.stateful must be a boolean (got string "true"); change its value to a boolean'],
      ['tag value type', { account: ACCOUNT, tags: { owner: 42 } }, 'sluice:tags.owner must be a string (got number 42); change its value to a string (quote it in YAML)'],
      [
        'reserved tag key',
        { account: ACCOUNT, tags: { 'aws:team': 'x' } },
        'sluice:tags.aws:team has an invalid key: must be a tag key (1-128 characters, not starting with "aws:") (got "aws:team"); rename the tag',
      ],
      ['section of the wrong type', { account: ACCOUNT, streams: 'on-demand' }, 'sluice:streams must be a map (got string "on-demand"); change its value to a map'],
      ['unknown top-level key', { account: ACCOUNT, stream: {} }, 'sluice:stream is not a known key (did you mean sluice:streams?); correct its spelling or remove it'],
      [
        'unknown nested key',
        { account: ACCOUNT, streams: { events: { retentionHour: 48 } } },
        'sluice:streams.events.retentionHour is not a known key (did you mean sluice:streams.events.retentionHours?); correct its spelling or remove it',
      ],
      [
        'bad source prefix',
        { account: ACCOUNT, ingestion: { sources: [{ name: 'partner', prefix: 'partner' }] } },
        'sluice:ingestion.sources[0].prefix must be an S3 key prefix ending in "/" (got "partner"); use a prefix such as "partner-files/"',
      ],
      [
        'duplicate source',
        {
          account: ACCOUNT,
          ingestion: {
            sources: [
              { name: 'a', prefix: 'a/' },
              { name: 'a', prefix: 'b/' },
            ],
          },
        },
        'sluice:ingestion.sources[1].name repeats the name of sources[0] ("a"); give each source its own name',
      ],
      [
        'overlapping prefixes',
        {
          account: ACCOUNT,
          ingestion: {
            sources: [
              { name: 'a', prefix: 'drops/' },
              { name: 'b', prefix: 'drops/b/' },
            ],
          },
        },
        'sluice:ingestion.sources[1].prefix overlaps sources[0].prefix ("drops/b/" and "drops/"); S3 cannot route one object to two sources: use prefixes that do not contain each other',
      ],
      [
        'producer account',
        { account: ACCOUNT, access: { producers: [{ account: '12' }] } },
        'sluice:access.producers[0].account must be a 12-digit AWS account id (got "12"); quote it in YAML so leading zeros survive, e.g. "111111111111"',
      ],
      [
        'unknown-event policy',
        { account: ACCOUNT, validation: { unknownEventNames: 'drop' } },
        'sluice:validation.unknownEventNames must be one of "accept", "reject" (got "drop"); pick one of those or remove it to use "accept"',
      ],
      [
        'exclude list entry',
        { account: ACCOUNT, processing: { excludeEventNames: ['Lesson Started'] } },
        'sluice:processing.excludeEventNames[0] must be an event name (got "Lesson Started"); use lower-case parts of [a-z0-9_] joined by ":"',
      ],
      [
        'exclude list repeat',
        { account: ACCOUNT, processing: { excludeEventTypes: ['debug', 'debug'] } },
        'sluice:processing.excludeEventTypes lists the same value twice (entries 0 and 1); remove the copy',
      ],
      [
        'log retention',
        { account: ACCOUNT, logs: { retentionDays: 10 } },
        'sluice:logs.retentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10); pick one of those or remove it to use 30',
      ],
    ];
    for (const [rule, values, message] of cases) {
      it(rule, () => expect(problemsOf(values)).to.deep.equal([message]));
    }
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      account: { ...ACCOUNT, id: 'x' },
      streams: { events: { retentionHours: 12 }, ingest: { capacityMode: 'AUTO' } },
      strems: {},
    });
    expect(problems).to.have.length(4);
    expect(problems.join('\n')).to.include('sluice:account.id').and.include('retentionHours').and.include('capacityMode').and.include('sluice:strems');
  });

  it('names keys the way Pulumi config does', () => {
    expect(configKey('/streams/events/retentionHours')).to.equal('sluice:streams.events.retentionHours');
    expect(configKey('/ingestion/sources/2', 'prefix')).to.equal('sluice:ingestion.sources[2].prefix');
  });

  it('reads only the sluice namespace and parses structured values from Pulumi', () => {
    expect(sluiceValues({ 'aws:region': 'eu-west-1', 'sluice:account': JSON.stringify(ACCOUNT), 'sluice:tags': '{broken' })).to.deep.equal({ account: ACCOUNT, tags: '{broken' });
  });

  describe('stack files', () => {
    it('loads dev and prod, which differ where environments should', () => {
      const dev = loadStackFile('dev', REPO_ROOT);
      const prod = loadStackFile('prod', REPO_ROOT);
      expect([dev.account.id, prod.account.id]).to.deep.equal(['111111111111', '222222222222']);
      expect([dev.protection.stateful, prod.protection.stateful]).to.deep.equal([false, true]);
      expect([dev.streams.events.capacityMode, prod.streams.events.capacityMode]).to.deep.equal(['ON_DEMAND', 'PROVISIONED']);
      expect(prod.streams.events.retentionHours).to.be.greaterThan(dev.streams.events.retentionHours);
      expect(prod.lake.lifecycle.rawExpireDays).to.be.greaterThan(dev.lake.lifecycle.rawExpireDays);
    });

    function stackDir(body: string): string {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
      writeFileSync(join(dir, 'Pulumi.broken.yaml'), body);
      return dir;
    }

    it('says which file is missing and how to create it', () => {
      expect(() => loadStackFile('staging', REPO_ROOT)).to.throw(ConfigError, /Pulumi\.staging\.yaml does not exist; create it/);
    });

    it('points at the line of malformed YAML', () => {
      const dir = stackDir('config:\n  sluice:account:\n    id: "1\n  region: [\n');
      expect(() => loadStackFile('broken', dir)).to.throw(ConfigError, /Pulumi\.broken\.yaml is not valid YAML at line \d+, column \d+/);
    });

    it('asks for a config map when there is none', () => {
      expect(() => loadStackFile('broken', stackDir('encryptionsalt: abc\n'))).to.throw(ConfigError, /has no "config:" map/);
    });

    it('rejects an unquoted account id read as a number', () => {
      const dir = stackDir('config:\n  sluice:account:\n    id: 111111111111\n    region: eu-west-1\n    deployRoleArn: arn:aws:iam::111111111111:role/d\n');
      expect(() => loadStackFile('broken', dir)).to.throw(ConfigError, /sluice:account\.id must be a string \(got number 111111111111\)/);
    });
  });
});
