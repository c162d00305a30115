import { expect } from 'chai';
import { loadStackConfig } from '../../stacks/load';
import { configProblems, TEST_ACCOUNT as ACCOUNT } from '../support/config';

describe('stack configuration: sluice:alerts', () => {
  it('fills every threshold, period and the budget from defaults', () => {
    const c = loadStackConfig('test', { account: ACCOUNT });
    expect(c.alerts).to.deep.equal({
      email: [],
      https: [],
      periodSeconds: 300,
      evaluationPeriods: 3,
      noDataMinutes: 15,
      zeroProcessedMinutes: 15,
      iteratorAgeSeconds: 300,
      flinkLagSeconds: 300,
      kafkaOffsetLag: 100000,
      invalidPercent: 5,
      failureQueueMessages: 1,
      restarts: 1,
      failedCheckpoints: 1,
      checkpointDurationSeconds: 60,
      lakeFreshnessMinutes: 15,
      archiveFreshnessSeconds: 900,
      lambdaErrors: 1,
      lambdaThrottles: 1,
      durationTimeoutPercent: 80,
      writeThrottles: 1,
      budget: { monthlyUsd: 500, actualPercent: 80, forecastPercent: 100 },
    });
    expect(c.account.readOnlyRoleArn).to.equal(undefined);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['e-mail without @', { alerts: { email: ['platform-team'] } }, 'sluice:alerts.email[0] must be an e-mail address (got "platform-team"); write it as name@example.com'],
    [
      'plain http endpoint',
      { alerts: { https: ['http://hooks.example.com/x'] } },
      'sluice:alerts.https[0] must be an https:// URL (got "http://hooks.example.com/x"); SNS delivers alarms only to HTTPS endpoints: use an https:// URL',
    ],
    ['odd period', { alerts: { periodSeconds: 120 } }, 'sluice:alerts.periodSeconds must be one of 60, 300, 900, 3600 (got 120); pick one of those or remove it to use 300'],
    [
      'no-data window too short',
      { alerts: { noDataMinutes: 2 } },
      'sluice:alerts.noDataMinutes must be between 5 and 1440 (got 2); the no-data alarm needs at least 5 minutes to tell a quiet stream from a broken one or remove it to use 15',
    ],
    [
      'archive freshness under the buffering',
      { alerts: { archiveFreshnessSeconds: 200 }, delivery: { bufferingSeconds: 300 } },
      'sluice:alerts.archiveFreshnessSeconds must be greater than sluice:delivery.bufferingSeconds (200 <= 300); Firehose holds records that long on purpose: raise archiveFreshnessSeconds or lower bufferingSeconds',
    ],
    [
      'forecast below actual',
      { alerts: { budget: { actualPercent: 90, forecastPercent: 50 } } },
      'sluice:alerts.budget.forecastPercent must be at least actualPercent (50 < 90); a forecast alert below the actual one fires before it and says nothing more: raise forecastPercent or lower actualPercent',
    ],
    [
      'the Kafka source under alerts, where it was before',
      { alerts: { kafka: { clusterName: 'msk', consumerGroup: 'g', topic: 't' } } },
      'sluice:alerts.kafka is no longer read: the consumer-lag alarms take the cluster name, topic and consumer group from sluice:sources.kafka, ' +
        'the MSK source dedup-filter reads; move the source to sluice:sources.kafka (clusterArn, bootstrapServers, topic, consumerGroup, network) ' +
        'and remove sluice:alerts.kafka (the threshold stays sluice:alerts.kafkaOffsetLag)',
    ],
    [
      'read-only role elsewhere',
      { account: { ...ACCOUNT, readOnlyRoleArn: 'arn:aws:iam::222222222222:role/ro' } },
      "sluice:account.readOnlyRoleArn must be a role in the stack's account 111111111111 (got a role in 222222222222); use a read-only role of account 111111111111, or remove it so sluice status assumes the deploy role",
    ],
  ];
  for (const [what, values, message] of cases) {
    it(`rejects ${what} with a message naming key, rule and fix`, () => {
      expect(configProblems({ account: ACCOUNT, ...values })).to.deep.equal([message]);
    });
  }
});
