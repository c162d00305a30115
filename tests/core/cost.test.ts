import { expect } from 'chai';
import { cheapestChange, estimateCost, flinkKpus, loadPriceFile, PriceFileError, requiredShards, type CostEstimate } from '../../core/cost';
import { loadStackConfig } from '../../stacks/load';
import { TEST_ACCOUNT } from '../support/config';

const prices = loadPriceFile('eu-west-1');
const GB = 2 ** 30;
/** 1,000 events a second; 824 bytes plus the validator's 200 makes an enriched event exactly 1 KiB. */
const W = { eventsPerHour: 3_600_000, eventBytes: 824 };

const config = (extra: Record<string, any> = {}) =>
  loadStackConfig('test', {
    account: TEST_ACCOUNT,
    streams: {
      ingest: { capacityMode: 'ON_DEMAND', retentionHours: 24 },
      events: { capacityMode: 'PROVISIONED', shardCount: 2, retentionHours: 48 },
      processed: { capacityMode: 'PROVISIONED', shardCount: 2, retentionHours: 24 },
      aggregates: { capacityMode: 'PROVISIONED', shardCount: 1, retentionHours: 24 },
    },
    processing: { dedupFilter: { parallelism: 4, parallelismPerKpu: 2 }, aggregate: { parallelism: 1 } },
    ...extra,
  });
const component = (e: CostEstimate, name: string) => e.components.find((c) => c.component === name)!;
const lineUsd = (e: CostEstimate, name: string, item: string) => component(e, name).lines.find((l) => l.item.startsWith(item))!.usd;

describe('cost model', () => {
  const e = estimateCost(config(), W, prices);

  it('prices an on-demand stream by stream-hour, 1 KB-rounded GB written and GB read', () => {
    expect(lineUsd(e, 'kinesis', 'ingest: stream-hours')).to.equal(29.2); // 730 h x $0.04
    // 824-byte records round up to 1 KiB: 2,628,000,000 KiB = 2,506.26 GB x $0.08
    expect(lineUsd(e, 'kinesis', 'ingest: GB written')).to.equal(200.5);
    // one reader (the stream validator) of the unrounded bytes: 2,016.74 GB x $0.04
    expect(lineUsd(e, 'kinesis', 'ingest: GB read')).to.equal(80.67);
  });

  it('prices a provisioned stream by shard-hour, 25 KB PUT units and extended retention', () => {
    expect(lineUsd(e, 'kinesis', 'events: 2 shard(s)')).to.equal(21.9); // 2 x 730 x $0.015
    expect(lineUsd(e, 'kinesis', 'events: PUT payload units')).to.equal(36.79); // 2,628 million units x $0.014
    expect(lineUsd(e, 'kinesis', 'events: extended retention')).to.equal(29.2); // 48 h retention: 2 x 730 x $0.02
  });

  it('adds the one extra KPU of each application to its processing KPUs', () => {
    // dedup-filter: parallelism 4 at 2 per KPU = 2 KPUs, +1 = 3 x 730 x $0.11 = $240.90, storage 2 x 50 GB x $0.10
    expect(flinkKpus('dedup-filter', config(), W)).to.deep.equal({ configured: 2, required: 1, processing: 2, billed: 3, autoScaling: false });
    expect(lineUsd(e, 'flink', 'dedup-filter: 2 KPU(s) + 1')).to.equal(240.9);
    expect(lineUsd(e, 'flink', 'dedup-filter: running application storage')).to.equal(10);
    // aggregate: 1 KPU + 1
    expect(lineUsd(e, 'flink', 'aggregate: 1 KPU(s) + 1')).to.equal(160.6);
  });

  it('bills the archive in 5 KB increments', () => {
    // 1 KiB records bill as 5 KiB: 2,628,000,000 x 5,120 B = 12,531.28 GB x $0.029
    expect(component(e, 'firehose').usd).to.equal(363.41);
    const justOver = estimateCost(config(), { ...W, eventBytes: 4921 }, prices); // 5,121 bytes enriched: two increments
    const justUnder = estimateCost(config(), { ...W, eventBytes: 4920 }, prices); // 5,120 bytes: one
    expect(component(justUnder, 'firehose').usd).to.equal(363.41);
    expect(component(justOver, 'firehose').usd).to.equal(726.81); // 25,062.56 GB x $0.029
  });

  it('keeps raw data in Standard until the Glacier transition and in Glacier IR until expiry', () => {
    const c = config({ lake: { lifecycle: { rawGlacierDays: 30, rawExpireDays: 90 } } });
    const est = estimateCost(c, W, prices);
    // a day of raw: 86.4 M events x 1,024 B x 0.15 (gzip) = 12.36 GB; 30 days Standard, 60 days Glacier IR
    const rawDaily = (3_600_000 * 24 * 1024 * 0.15) / GB;
    expect(lineUsd(est, 's3', 'raw/: Standard')).to.equal(Math.round(rawDaily * 30 * 0.023 * 100) / 100);
    expect(lineUsd(est, 's3', 'raw/: Glacier IR')).to.equal(Math.round(rawDaily * 60 * 0.004 * 100) / 100);
  });

  it('sizes provisioned streams by bytes and records per second', () => {
    expect(requiredShards({ recordsPerHour: 3_600_000, recordBytes: 1024, readers: 1 })).to.equal(1); // 1,000 records/s, 0.98 MiB/s
    expect(requiredShards({ recordsPerHour: 3_600_000 * 3, recordBytes: 100, readers: 1 })).to.equal(3); // 3,000 records/s
    expect(requiredShards({ recordsPerHour: 3_600_000, recordBytes: 5000, readers: 1 })).to.equal(5); // 4.77 MiB/s
  });

  it('prices an under-provisioned stream at the shards it needs and says so', () => {
    const est = estimateCost(config(), { eventsPerHour: 36_000_000, eventBytes: 824 }, prices); // 10,000 records/s
    expect(lineUsd(est, 'kinesis', 'events: 10 shard(s)')).to.equal(109.5);
    expect(est.notes).to.include('streams.events has 2 shard(s) but this workload needs 10 (priced at that): writes would be throttled; raise sluice:streams.events.shardCount');
  });

  it('names the dominant component and a total that is the sum of the components', () => {
    expect(e.totalUsd).to.be.closeTo(
      e.components.reduce((s, c) => s + c.usd, 0),
      0.011,
    );
    const max = Math.max(...e.components.map((c) => c.usd));
    expect(component(e, e.dominant).usd).to.equal(max);
  });

  it('finds the config change that lowers the dominant component most', () => {
    const onDemand = config({ streams: { events: { capacityMode: 'ON_DEMAND', retentionHours: 24 }, processed: { capacityMode: 'ON_DEMAND', retentionHours: 24 } } });
    const est = estimateCost(onDemand, W, prices);
    expect(est.dominant).to.equal('kinesis');
    const change = cheapestChange(onDemand, W, prices, est)!;
    // events and processed carry the same bytes, events has one more reader: provisioning it saves most
    expect(change).to.deep.include({ key: 'sluice:streams.events.capacityMode', from: 'ON_DEMAND', to: 'PROVISIONED', with: { 'sluice:streams.events.shardCount': 1 } });
    const after = estimateCost(
      loadStackConfig('test', { account: TEST_ACCOUNT, streams: { ...onDemand.streams, events: { capacityMode: 'PROVISIONED', shardCount: 1, retentionHours: 24 } }, processing: onDemand.processing }),
      W,
      prices,
    );
    expect(change.totalUsdAfter).to.equal(after.totalUsd);
    expect(change.savingUsd).to.equal(Math.round((est.totalUsd - after.totalUsd) * 100) / 100);
  });

  it('says which region lacks a price file', () => {
    expect(() => loadPriceFile('ap-south-2')).to.throw(PriceFileError, /no price file for region ap-south-2 .*ap-south-2\.json.*add one with the list prices of ap-south-2/);
  });

  it('dates every price and names its source page', () => {
    expect(prices.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
    for (const [key, p] of Object.entries(prices.prices)) {
      expect(p.usd, key).to.be.a('number').and.greaterThan(0);
      expect(p.source, key).to.match(/^https:\/\/aws\.amazon\.com\//);
    }
  });
});
