import { expect } from 'chai';
import { loadStackConfig } from '../../stacks/load';
import { configProblems, TEST_ACCOUNT as ACCOUNT } from '../support/config';

const problemsOf = (processing: Record<string, unknown>) => configProblems({ account: ACCOUNT, processing });

describe('stack configuration: Flink processing', () => {
  it('defaults each application to restoring its latest snapshot and starting at TRIM_HORIZON', () => {
    const c = loadStackConfig('test', { account: ACCOUNT });
    for (const app of [c.processing.dedupFilter, c.processing.aggregate]) {
      expect(app).to.deep.equal({ parallelism: 1, parallelismPerKpu: 1, autoScaling: false, restoreFromSnapshot: true, allowNonRestoredState: false, startPosition: 'TRIM_HORIZON' });
    }
  });

  it('refuses an event type with a ":" (it could never match the first part of a name)', () => {
    expect(problemsOf({ excludeEventTypes: ['lesson:heartbeat'] })).to.deep.equal([
      'sluice:processing.excludeEventTypes[0] must be an event type (got "lesson:heartbeat"); an event type is the first part of an event name: lower-case [a-z0-9_], no ":"',
    ]);
  });

  it('refuses an unknown start position', () => {
    expect(problemsOf({ aggregate: { startPosition: 'EARLIEST' } })).to.deep.equal([
      'sluice:processing.aggregate.startPosition must be one of "TRIM_HORIZON", "LATEST" (got "EARLIEST"); pick one of those or remove it to use "TRIM_HORIZON"',
    ]);
  });

  it('refuses a non-boolean restore switch', () => {
    expect(problemsOf({ dedupFilter: { restoreFromSnapshot: 'no' } })).to.deep.equal([
      'sluice:processing.dedupFilter.restoreFromSnapshot must be a boolean (got string "no"); change its value to a boolean',
    ]);
  });
});
