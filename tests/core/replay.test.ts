import { expect } from 'chai';
import {
  archiveHourPrefix,
  checkBackfillTarget,
  checkReplayTarget,
  etaSeconds,
  kafkaTargetStackStream,
  parseKafkaTarget,
  parseRangeBound,
  RateLimiter,
  replayHours,
  ReplayInputError,
  resolveReplayTarget,
  resumePosition,
  type ReplayRequest,
} from '../../core/replay';

const STREAMS = { ingest: 'sluice-prod-ingest', events: 'sluice-prod-events', processed: 'sluice-prod-processed', aggregates: 'sluice-prod-aggregates' };

describe('replay: ranges, resume, rate and target rules', () => {
  describe('range bounds', () => {
    it('reads a day as its first hour (from) or its last hour (to), and an hour as itself', () => {
      expect(new Date(parseRangeBound('2026-03-17', '--from', false)).toISOString()).to.equal('2026-03-17T00:00:00.000Z');
      expect(new Date(parseRangeBound('2026-03-17', '--to', true)).toISOString()).to.equal('2026-03-17T23:00:00.000Z');
      expect(new Date(parseRangeBound('2026-03-17T09', '--to', true)).toISOString()).to.equal('2026-03-17T09:00:00.000Z');
    });

    for (const bad of ['2026-02-30', '2026-03-17T24', '17/03/2026', '2026-03-17T09:30', '']) {
      it(`refuses ${JSON.stringify(bad)} naming the option and the form to give`, () => {
        expect(() => parseRangeBound(bad, '--from', false)).to.throw(
          ReplayInputError,
          `--from ${JSON.stringify(bad)} is not a UTC date or hour; give YYYY-MM-DD (a whole day) or YYYY-MM-DDTHH (one hour)`,
        );
      });
    }

    it('lists every hour of the range, both ends included, with its archive prefix', () => {
      const hours = replayHours('2026-03-17T22', '2026-03-18T01');
      expect(hours.map(archiveHourPrefix)).to.deep.equal(['raw/dt=2026-03-17/hour=22/', 'raw/dt=2026-03-17/hour=23/', 'raw/dt=2026-03-18/hour=00/', 'raw/dt=2026-03-18/hour=01/']);
      expect(replayHours('2026-03-17', '2026-03-17')).to.have.length(24);
    });

    it('refuses a reversed range and one over ten years', () => {
      expect(() => replayHours('2026-03-18', '2026-03-17')).to.throw(ReplayInputError, '--to 2026-03-17 is before --from 2026-03-18; give the earlier bound as --from');
      expect(() => replayHours('2016-01-01', '2026-12-31')).to.throw(ReplayInputError, 'more than ten years; check the years of both bounds');
    });
  });

  describe('resume', () => {
    const request: ReplayRequest = { from: '2026-03-17', to: '2026-03-17', eventTypes: ['payment', 'account'], target: 'sluice-dev-events' };
    const keys = ['raw/dt=2026-03-17/hour=00/a.json.gz', 'raw/dt=2026-03-17/hour=01/b.json.gz'];

    it('starts at the beginning without a checkpoint, and after the checkpointed line with one', () => {
      expect(resumePosition(keys, request, undefined, 'cp.json')).to.deep.equal({ index: 0, skipLines: 0 });
      const checkpoint = { request: { ...request, eventTypes: ['account', 'payment'] }, key: keys[1], line: 1500, published: 2000, skipped: 3 };
      expect(resumePosition(keys, request, checkpoint, 'cp.json')).to.deep.equal({ index: 1, skipLines: 1500 });
    });

    it("refuses another request's checkpoint and one whose object is gone", () => {
      const other = { request: { ...request, target: 'sluice-dev-ingest' }, key: keys[0], line: 1, published: 1, skipped: 0 };
      expect(() => resumePosition(keys, request, other, 'cp.json')).to.throw(ReplayInputError, 'checkpoint cp.json belongs to another replay');
      const gone = { request, key: 'raw/dt=2026-03-16/hour=23/x.json.gz', line: 1, published: 1, skipped: 0 };
      expect(() => resumePosition(keys, request, gone, 'cp.json')).to.throw(ReplayInputError, 'points at archive object raw/dt=2026-03-16/hour=23/x.json.gz, which the archive no longer lists');
    });
  });

  describe('rate limiter', () => {
    it('lets one second of events through, then paces them at the rate', () => {
      let now = 0;
      const limiter = new RateLimiter(100, () => now);
      expect(limiter.take(1)).to.equal(0);
      expect(limiter.take(1)).to.equal(10);
      now = 10_000;
      // Ten idle seconds refill one second's worth (100), no more.
      for (let i = 0; i < 100; i++) expect(limiter.take(1)).to.equal(0);
      expect(limiter.take(1)).to.be.closeTo(10, 1e-9);
    });

    it('refuses a rate that is not positive', () => {
      expect(() => new RateLimiter(0)).to.throw(ReplayInputError, '--rate 0 is not a positive number of events per second');
    });
  });

  it('estimates the time left from the bytes read', () => {
    expect(etaSeconds(0, 100, 5)).to.equal(undefined);
    expect(etaSeconds(25, 100, 10)).to.equal(30);
  });

  it("refuses a backfill or restore of prod's tables without --i-know, and says why", () => {
    expect(() => checkBackfillTarget({ stack: 'prod', confirmed: false, action: 'backfill' })).to.throw(
      ReplayInputError,
      "--stack prod: a backfill replaces the prod tables events and aggregates that analysts and consumers read; stop the stack's Flink applications (with a snapshot) first, then add --i-know",
    );
    expect(() => checkBackfillTarget({ stack: 'prod', confirmed: false, action: 'restore' })).to.throw(ReplayInputError, '--stack prod: a restore replaces');
    checkBackfillTarget({ stack: 'prod', confirmed: true, action: 'backfill' });
    checkBackfillTarget({ stack: 'dev', confirmed: false, action: 'backfill' });
  });

  describe('targets', () => {
    it("resolves the stack's streams by short name, physical name or ARN, and leaves others alone", () => {
      expect(resolveReplayTarget('events', STREAMS)).to.deep.equal({ stream: 'sluice-prod-events', stackStream: 'events' });
      expect(resolveReplayTarget('sluice-prod-ingest', STREAMS)).to.deep.equal({ stream: 'sluice-prod-ingest', stackStream: 'ingest' });
      const arn = 'arn:aws:kinesis:eu-west-1:222222222222:stream/sluice-prod-events';
      expect(resolveReplayTarget(arn, STREAMS)).to.deep.equal({ stream: arn, stackStream: 'events' });
      expect(resolveReplayTarget('partner-backfill', STREAMS)).to.deep.equal({ stream: 'partner-backfill' });
    });

    it("refuses prod's events and ingest without --i-know, and says why", () => {
      for (const stackStream of ['events', 'ingest']) {
        expect(() => checkReplayTarget({ stack: 'prod', stackStream, target: stackStream, confirmed: false, dedupTtlHours: 24 })).to.throw(
          ReplayInputError,
          `--target ${stackStream} is the prod stack's ${stackStream} stream: dedup drops every replayed event whose first copy arrived within the last 24 h`,
        );
        checkReplayTarget({ stack: 'prod', stackStream, target: stackStream, confirmed: true, dedupTtlHours: 24 });
        checkReplayTarget({ stack: 'dev', stackStream, target: stackStream, confirmed: false, dedupTtlHours: 24 });
      }
      checkReplayTarget({ stack: 'prod', stackStream: 'processed', target: 'processed', confirmed: false, dedupTtlHours: 24 });
      checkReplayTarget({ stack: 'prod', target: 'partner-backfill', confirmed: false, dedupTtlHours: 24 });
    });

    it('reads a kafka://host:port/topic target, and leaves stream names to the stream rules', () => {
      expect(parseKafkaTarget('kafka://127.0.0.1:9092/partner-feed')).to.deep.equal({ bootstrap: '127.0.0.1:9092', topic: 'partner-feed' });
      expect(parseKafkaTarget('kafka://b-1.msk.eu-west-1.amazonaws.com:9098/orders.v2_raw')).to.deep.equal({ bootstrap: 'b-1.msk.eu-west-1.amazonaws.com:9098', topic: 'orders.v2_raw' });
      expect(parseKafkaTarget('sluice-dev-events')).to.equal(undefined);
      expect(parseKafkaTarget('arn:aws:kinesis:eu-west-1:222222222222:stream/x')).to.equal(undefined);
    });

    for (const bad of [
      'kafka://127.0.0.1/feed',
      'kafka://127.0.0.1:0/feed',
      'kafka://127.0.0.1:70000/feed',
      'kafka://127.0.0.1:9092/',
      'kafka://127.0.0.1:9092/a/b',
      'kafka://127.0.0.1:9092/has space',
      'kafka://127.0.0.1:9092/..',
      `kafka://h:1/${'t'.repeat(250)}`,
    ]) {
      it(`refuses the Kafka target ${JSON.stringify(bad.slice(0, 40))} with the form to give`, () => {
        expect(() => parseKafkaTarget(bad)).to.throw(ReplayInputError, `--target ${bad} is not a Kafka topic; give kafka://<host>:<port>/<topic>`);
      });
    }

    it("treats the MSK topic dedup-filter reads (sources.kafka) as prod's events: refused without --i-know", () => {
      const source = { bootstrapServers: 'b-1.msk.example:9098,b-2.msk.example:9098', topic: 'orders' };
      const onSource = parseKafkaTarget('kafka://B-2.msk.example:9092/orders')!;
      expect(kafkaTargetStackStream(onSource, source)).to.equal('events');
      expect(kafkaTargetStackStream(parseKafkaTarget('kafka://b-1.msk.example:9098/partner-feed')!, source)).to.equal(undefined);
      expect(kafkaTargetStackStream(parseKafkaTarget('kafka://127.0.0.1:9092/orders')!, source)).to.equal(undefined);
      expect(kafkaTargetStackStream(onSource, undefined)).to.equal(undefined);
      const target = 'kafka://B-2.msk.example:9092/orders';
      expect(() => checkReplayTarget({ stack: 'prod', stackStream: 'events', target, confirmed: false, dedupTtlHours: 24 })).to.throw(
        ReplayInputError,
        `--target ${target} is the prod stack's events input (the MSK topic dedup-filter reads beside it): dedup drops every replayed event whose first copy arrived within the last 24 h`,
      );
      checkReplayTarget({ stack: 'prod', stackStream: 'events', target, confirmed: true, dedupTtlHours: 24 });
    });
  });
});
