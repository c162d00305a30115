import type { ResourceRule } from './rule';

/** Production minimums: a quarter of logs, three days of stream replay, the failure queues' two weeks. */
export const PRODUCTION_MINIMUMS = { logRetentionDays: 90, streamRetentionHours: 72, failureQueueRetentionSeconds: 14 * 24 * 3600 };

export const productionRetention: ResourceRule = {
  name: 'retention-minimums-in-production',
  description: `In production, log groups keep ${PRODUCTION_MINIMUMS.logRetentionDays} days, streams ${PRODUCTION_MINIMUMS.streamRetentionHours} hours and queues 14 days at least.`,
  check(resource, { production }) {
    if (!production) return [];
    const p = resource.props;
    switch (resource.type) {
      case 'aws:cloudwatch/logGroup:LogGroup':
        // An unset retention keeps events forever, which meets any minimum.
        return p.retentionInDays === undefined || p.retentionInDays === 0 || p.retentionInDays >= PRODUCTION_MINIMUMS.logRetentionDays
          ? []
          : [`log group ${p.name ?? resource.name} keeps ${p.retentionInDays} days, below production's ${PRODUCTION_MINIMUMS.logRetentionDays}; raise sluice:logs.retentionDays`];
      case 'aws:kinesis/stream:Stream':
        return (p.retentionPeriod ?? 24) >= PRODUCTION_MINIMUMS.streamRetentionHours
          ? []
          : [
              `stream ${p.name ?? resource.name} keeps ${p.retentionPeriod ?? 24} hours, below production's ${PRODUCTION_MINIMUMS.streamRetentionHours}; raise its sluice:streams.<name>.retentionHours`,
            ];
      case 'aws:sqs/queue:Queue':
        return (p.messageRetentionSeconds ?? 345600) >= PRODUCTION_MINIMUMS.failureQueueRetentionSeconds
          ? []
          : [`queue ${p.name ?? resource.name} keeps messages ${p.messageRetentionSeconds ?? 345600} seconds, below production's 14 days; raise messageRetentionSeconds`];
      default:
        return [];
    }
  },
};
