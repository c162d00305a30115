import { GetTableCommand } from '@aws-sdk/client-glue';
import { expect } from 'chai';
import { commitAgeSeconds, publishFreshness } from '../../functions/lake-freshness/handler';

/** A Glue catalog answering GetTable from a map, EntityNotFoundException otherwise. */
function fakeGlue(tables: Record<string, { UpdateTime?: Date; CreateTime?: Date; Parameters?: Record<string, string> }>) {
  const asked: string[] = [];
  return {
    asked,
    async send(command: GetTableCommand) {
      const { DatabaseName, Name } = command.input;
      asked.push(`${DatabaseName}.${Name}`);
      const t = tables[Name!];
      if (!t) throw Object.assign(new Error(`Table ${Name} not found.`), { name: 'EntityNotFoundException' });
      return { Table: { Name, DatabaseName, ...t } };
    },
  };
}

describe('functions: lake-freshness', () => {
  const now = Date.parse('2026-03-17T12:00:00Z');

  it("publishes each table's seconds since its last catalog update", async () => {
    const glue = fakeGlue({
      events: {
        UpdateTime: new Date('2026-03-17T11:59:55Z'),
        CreateTime: new Date('2026-03-01T00:00:00Z'),
        Parameters: { metadata_location: 's3://lake/curated/events/metadata/00042.metadata.json', table_type: 'ICEBERG' },
      },
      aggregates: { UpdateTime: new Date('2026-03-17T11:45:00Z') },
    });
    const published: [string, number][] = [];
    const commits = await publishFreshness({
      glue: glue as any,
      database: 'sluice_dev',
      tables: ['events', 'aggregates'],
      now: () => now,
      publish: (t, a) => published.push([t, a]),
      warn: () => undefined,
    });
    expect(glue.asked).to.deep.equal(['sluice_dev.events', 'sluice_dev.aggregates']);
    expect(published).to.deep.equal([
      ['events', 5],
      ['aggregates', 900],
    ]);
    expect(commits[0]!.metadataLocation).to.equal('s3://lake/curated/events/metadata/00042.metadata.json');
  });

  it('publishes nothing for a missing table and says which, so its alarm fires on missing data', async () => {
    const warnings: unknown[] = [];
    const published: string[] = [];
    await publishFreshness({ glue: fakeGlue({}) as any, database: 'sluice_dev', tables: ['events'], now: () => now, publish: (t) => published.push(t), warn: (m, d) => warnings.push([m, d]) });
    expect(published).to.deep.equal([]);
    expect(warnings).to.deep.equal([['no commit time for a lake table', { table: 'events', problem: 'table sluice_dev.events does not exist in the Glue catalog' }]]);
  });

  it('never reports a negative age when the catalog clock is ahead', () => {
    expect(commitAgeSeconds({ table: 't', committedAtMs: now + 2000 }, now)).to.equal(0);
    expect(commitAgeSeconds({ table: 't' }, now)).to.equal(undefined);
  });

  it('lets other Glue errors fail the invocation', async () => {
    const glue = {
      send: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    };
    let error: Error | undefined;
    await publishFreshness({ glue: glue as any, database: 'd', tables: ['events'], now: () => now, publish: () => undefined, warn: () => undefined }).catch((e) => (error = e));
    expect(error?.name).to.equal('AccessDeniedException');
  });
});
