import { expect } from 'chai';
import { formatLatencyBench, latencyFigures, quantile, windowKey, windowStartMs, type LatencyBenchReport } from '../../local/bench/latency';

describe('sluice bench latency: its arithmetic', () => {
  it('takes quantiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.95), quantile(sorted, 0.99), quantile(sorted, 1)]).to.deep.equal([50, 95, 99, 100]);
    expect(quantile([7], 0.99)).to.equal(7);
    expect(quantile([], 0.5)).to.be.NaN;
  });

  it('summarises latencies in any order, in whole milliseconds', () => {
    expect(latencyFigures([300.4, 100, 199.6, 400])).to.deep.equal({ count: 4, p50_ms: 200, p95_ms: 400, p99_ms: 400, max_ms: 400 });
  });

  it("puts an event in Flink's tumbling window of its created_at, on whole milliseconds", () => {
    // 2026-03-17T10:00:59.9996Z is 10:00:59.999 to Flink (FLOOR to milliseconds): still the 10:00 window.
    expect(new Date(windowStartMs(1773741659.9996, 60)).toISOString()).to.equal('2026-03-17T10:00:00.000Z');
    expect(new Date(windowStartMs(1773741660, 60)).toISOString()).to.equal('2026-03-17T10:01:00.000Z');
    expect(windowKey(1773741660000, 'quiz', null)).to.equal('1773741660000|quiz|');
    expect(windowKey(1773741660000, 'quiz', 'question')).to.equal('1773741660000|quiz|question');
  });

  it('prints each figure with the machine, its load and the definitions used', () => {
    const figures = { count: 3000, p50_ms: 4200, p95_ms: 6100, p99_ms: 7050, max_ms: 8000 };
    const report: LatencyBenchReport = {
      machine: { cpu: 'AMD EPYC', cores: 2, memoryGb: 24, node: 'v20.20.2' },
      load_average: { start: [2.1, 2, 2.5], end: [3, 2.2, 2.6] },
      checkpoint_seconds: 5,
      window_seconds: 60,
      allowed_lateness_seconds: 30,
      rate_per_second: 100,
      events: 3000,
      events_table: figures,
      windows: 2,
      window_ends: 1,
      aggregates_from_window_end: { count: 2, p50_ms: 35000, p95_ms: 36000, p99_ms: 36000, max_ms: 36000 },
      aggregates_from_close: { count: 2, p50_ms: 5000, p95_ms: 6000, p99_ms: 6000, max_ms: 6000 },
      commits: { events: 7, aggregates: 2 },
    };
    expect(formatLatencyBench(report).split('\n')).to.deep.equal([
      'machine: AMD EPYC, 2 cores, 24 GB, Node v20.20.2; load average 2.1 2 2.5 at the start, 3 2.2 2.6 at the end',
      'streaming over Kafka (ingest -> stream validator -> events -> dedup-filter -> aggregate), checkpoints every 5 s, 100 events/s:',
      '  produce -> visible in the events table: p50 4.20 s, p95 6.10 s, p99 7.05 s, max 8.00 s (3000 of 3000 events seen; goal: p99 < 15 s at 5 s checkpoints)',
      '  window end -> visible in the aggregates table: p50 35.00 s, p95 36.00 s, p99 36.00 s, max 36.00 s (2 of 2 windows of 60 s seen, 1 distinct end time(s))',
      '  window end + allowed lateness (30 s) -> visible in aggregates: p50 5.00 s, p95 6.00 s, p99 6.00 s, max 6.00 s',
      '  lake commits while measuring: events 7, aggregates 2',
      '',
    ]);
  });
});
