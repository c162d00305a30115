import { Metrics } from '@aws-lambda-powertools/metrics';
import { expect } from 'chai';
import { FORMATS, oneOf, required } from '../../functions/ingest/settings';
import { countIngest, powertoolsCounters } from '../../functions/ingest/telemetry';

describe('ingestion telemetry and settings', () => {
  it('emits EMF: the counts in one document, each invalid reason as its own metric with a reason dimension', () => {
    const lines: string[] = [];
    // Other suites silence Powertools through the environment; this one needs the real output.
    const env = { ...process.env };
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const metrics = new Metrics({ namespace: 'Sluice', serviceName: 's3-ingest', defaultDimensions: { source: 'backfill' } });
      const counters = powertoolsCounters(metrics);
      countIngest(counters, { records: 5, valid: 3, invalid: 2, invalidByReason: { not_json: 1, invalid_uuid: 1 } });
      counters.count('EventsPublished', 3);
      metrics.publishStoredMetrics();
    } finally {
      process.stdout.write = write;
      process.env = env;
    }
    const docs = lines
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byReason = docs.filter((d) => d.EventsInvalidByReason !== undefined).map((d) => [d.reason, d.EventsInvalidByReason, d.source]);
    expect(byReason).to.have.deep.members([
      ['not_json', 1, 'backfill'],
      ['invalid_uuid', 1, 'backfill'],
    ]);
    const main = docs.find((d) => d.EventsValid !== undefined);
    expect(main).to.include({ EventsValid: 3, EventsInvalid: 2, EventsPublished: 3, service: 's3-ingest', source: 'backfill' });
    expect(main._aws.CloudWatchMetrics[0].Namespace).to.equal('Sluice');
  });

  it('reads required settings and choices from the environment, naming the variable when wrong', () => {
    expect(required({ A: 'x' }, 'A')).to.equal('x');
    expect(() => required({}, 'SLUICE_SOURCE')).to.throw('environment variable SLUICE_SOURCE is not set; it is set by infra/ingestion.ts on the function');
    expect(oneOf({}, 'SLUICE_FORMAT', FORMATS, 'auto')).to.equal('auto');
    expect(() => oneOf({ SLUICE_FORMAT: 'csv' }, 'SLUICE_FORMAT', FORMATS, 'auto')).to.throw('environment variable SLUICE_FORMAT is "csv"; expected one of jsonl, json-array, auto');
  });
});
