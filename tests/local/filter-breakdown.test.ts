import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filterBreakdown, filterBreakdownSql } from '../../local/filter-breakdown';
import { defaultProcessingConfig } from '../../stacks/load';

describe('local mode: the filter breakdown beside the dedup-filter job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-breakdown-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const processing = { ...defaultProcessingConfig(), excludeEventTypes: ['internal'], excludeEventNames: ["account:o'deleted"], maxFutureSkewSeconds: 60 };
  const event = (uuid: string, name: string, createdAt: number) =>
    JSON.stringify({ event_uuid: uuid, created_at: createdAt, event_name: name, event_type: name.split(':')[0], ingested_at: '2026-03-17T10:00:00.000Z' });
  const ingested = Date.parse('2026-03-17T10:00:00Z') / 1000;

  it('counts each rule once per distinct event, with the stack values quoted as SQL literals', async () => {
    const path = join(dir, "it's.jsonl");
    writeFileSync(
      path,
      [
        event('a', 'internal:ping', ingested),
        event('a', 'internal:ping', ingested),
        event('b', "account:o'deleted", ingested),
        event('c', 'video:played', ingested + 61),
        event('d', 'video:played', ingested + 60),
        event('e', 'video:played', ingested),
      ].join('\n') + '\n',
    );
    expect(filterBreakdownSql(path, { processing })).to.include("event_name IN ('account:o''deleted')").and.include('to_seconds(60)');
    expect(await filterBreakdown(path, { processing })).to.deep.equal({ distinct: 5, byRule: { excluded_event_type: 1, excluded_event_name: 1, future_skew: 1 } });
  });

  it('matches nothing when the stack excludes nothing', () => {
    expect(filterBreakdownSql('x.jsonl', { processing: defaultProcessingConfig() }))
      .to.include("event_type IN ('')")
      .and.include("event_name IN ('')");
  });
});
