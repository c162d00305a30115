import { expect } from 'chai';
import { formatStatus } from '../../cli/commands/status';
import type { StackStatus } from '../../ops/status';

const status: StackStatus = {
  stack: 'dev',
  account: '111111111111',
  region: 'eu-west-1',
  checkedAt: '2026-03-17T12:00:00.000Z',
  verdict: 'degraded',
  summary: 'dev: degraded: alarm sluice-dev-no-data is in ALARM (and 1 more) (1/2 Flink applications running, 1/2 tables fresh, workgroup ENABLED, 1/3 alarms in ALARM)',
  problems: ['alarm sluice-dev-no-data is in ALARM', 'Flink application sluice-dev-aggregate does not exist'],
  flink: [
    {
      job: 'dedup-filter',
      name: 'sluice-dev-dedup-filter',
      status: 'RUNNING',
      runtime: 'FLINK-2_2',
      parallelism: 2,
      currentParallelism: 2,
      parallelismPerKpu: 1,
      autoScaling: false,
      kpus: 3,
      latestSnapshot: { name: 'sluice-2026-03-17-1000', status: 'READY', createdAt: '2026-03-17T10:00:00.000Z' },
    },
    { job: 'aggregate', name: 'sluice-dev-aggregate', problem: 'Flink application sluice-dev-aggregate does not exist' },
  ],
  tables: [
    { name: 'events', lastCommitAt: '2026-03-17T11:59:55.000Z', ageSeconds: 5 },
    { name: 'aggregates', problem: 'table sluice_dev.aggregates does not exist in the Glue catalog' },
  ],
  workgroup: { name: 'sluice-dev-analysts', state: 'ENABLED', bytesScannedCutoffPerQuery: 1073741824 },
  alarms: [
    { name: 'sluice-dev-no-data', state: 'ALARM', reason: 'Threshold Crossed' },
    { name: 'sluice-dev-zero-processed', state: 'OK' },
    { name: 'sluice-dev-stream-validate-errors', state: 'OK' },
  ],
};

describe('sluice status: text output', () => {
  it('prints one section per API, the alarms not OK, and the verdict last', () => {
    expect(formatStatus(status, 'arn:aws:iam::111111111111:role/sluice-read-only').split('\n')).to.deep.equal([
      'stack dev (account 111111111111, eu-west-1) as arn:aws:iam::111111111111:role/sluice-read-only, 2026-03-17T12:00:00.000Z',
      '',
      'Flink applications',
      '  dedup-filter  RUNNING   FLINK-2_2  parallelism 2 (1 per KPU, 3 KPUs, autoscaling off)  latest snapshot sluice-2026-03-17-1000 (READY, 2026-03-17T10:00:00.000Z)',
      '  aggregate     Flink application sluice-dev-aggregate does not exist',
      '',
      'Lake tables',
      '  events        last commit 2026-03-17T11:59:55.000Z (5 s ago)',
      '  aggregates    table sluice_dev.aggregates does not exist in the Glue catalog',
      '',
      'Workgroup',
      '  sluice-dev-analysts ENABLED, scan limit 1.0 GiB per query',
      '',
      'Alarms (3): 1 ALARM, 2 OK',
      '  ALARM             sluice-dev-no-data: Threshold Crossed',
      '',
      status.summary,
      '',
    ]);
  });
});
