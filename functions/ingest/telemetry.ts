import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ReasonCode } from '../../core/events/reasons';
import { IngestCounts } from './pipeline';

/** The ingestion metrics (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE, dimension `service`). */
export type IngestMetric = 'EventsValid' | 'EventsInvalid' | 'EventsPublished' | 'RecordsRetried' | 'RecordsUndelivered' | 'ObjectsUndelivered' | 'ObjectsIngested' | 'ObjectsSkipped' | 'TestEvents';

/** What the handlers need from a metrics library; {@link powertoolsCounters} is the Lambda one. */
export interface Counters {
  count(metric: IngestMetric, value: number): void;
  /** `EventsInvalid` broken down by reason code, as its own metric with a `reason` dimension. */
  invalidByReason(code: ReasonCode, value: number): void;
}

/** Counters over Powertools Metrics; published when the handler calls `metrics.publishStoredMetrics()`. */
export function powertoolsCounters(metrics: Metrics): Counters {
  return {
    count: (metric, value) => metrics.addMetric(metric, MetricUnit.Count, value),
    invalidByReason: (code, value) => {
      const single = metrics.singleMetric();
      single.addDimension('reason', code);
      single.addMetric('EventsInvalidByReason', MetricUnit.Count, value);
    },
  };
}

export function countIngest(counters: Counters, counts: IngestCounts): void {
  counters.count('EventsValid', counts.valid);
  counters.count('EventsInvalid', counts.invalid);
  for (const [code, n] of Object.entries(counts.invalidByReason)) counters.invalidByReason(code as ReasonCode, n);
}
