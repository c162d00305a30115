import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { motoClientConfig, useMoto } from '../support/moto';

const SLUICE = join(__dirname, '..', '..', 'cli', 'bin', 'sluice.js');
const LAKE = 'sluice-dev-111111111111-lake';

describe('sluice archive verify --stack against moto server (S3 archive, CloudWatch IncomingRecords)', function () {
  this.timeout(120000);
  const moto = useMoto();
  let s3: S3Client;

  const lines = (n: number, hour: string) => Array.from({ length: n }, (_, i) => `{"event_uuid":"e-${hour}-${i}","event_type":"payment","ingested_at":"2026-03-17T${hour}:10:00.000Z"}`).join('\n');
  const verify = () =>
    spawnSync(process.execPath, [SLUICE, 'archive', 'verify', '--stack', 'dev', '--from', '2026-03-17T09', '--to', '2026-03-17T10', '--json'], {
      env: { ...process.env, AWS_ENDPOINT_URL: moto().endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
      encoding: 'utf8',
    });

  before(async () => {
    await moto().reset();
    const config = motoClientConfig(moto().endpoint);
    s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: LAKE, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    // 09: 30 records; 10: 20 of its own and 3 that arrived at 09:59 and were filed at 10:00.
    await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: 'raw/dt=2026-03-17/hour=09/a.gz', Body: gzipSync(lines(30, '09')) }));
    await s3.send(new PutObjectCommand({ Bucket: LAKE, Key: 'raw/dt=2026-03-17/hour=10/b.gz', Body: gzipSync(lines(23, '10')) }));
    const cloudwatch = new CloudWatchClient(config);
    for (const [hour, value] of [
      ['09', 33],
      ['10', 20],
    ] as const) {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Kinesis',
          MetricData: [
            { MetricName: 'IncomingRecords', Dimensions: [{ Name: 'StreamName', Value: 'sluice-dev-events' }], Timestamp: new Date(`2026-03-17T${hour}:30:00Z`), Value: value, Unit: 'Count' },
          ],
        }),
      );
    }
  });

  it("matches the archive to the events stream's IncomingRecords hour by hour", () => {
    const run = verify();
    expect(run.status, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout);
    expect(result).to.deep.include({ complete: true, archiveTotal: 53, referenceTotal: 53 });
    expect(result.rows).to.deep.equal([
      { hour: '2026-03-17T09', archive: 30, reference: 33, shortfall: 0 },
      { hour: '2026-03-17T10', archive: 23, reference: 20, shortfall: 0 },
    ]);
  });

  it('exits 1 and names the hour when an archive object is missing', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: LAKE, Key: 'raw/dt=2026-03-17/hour=10/b.gz' }));
    const run = verify();
    expect(run.status).to.equal(1);
    const result = JSON.parse(run.stdout);
    expect(result.complete).to.equal(false);
    expect(result.rows.map((r: { shortfall: number }) => r.shortfall)).to.deep.equal([3, 23]);
  });
});
