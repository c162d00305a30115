import { expect } from 'chai';
import { accountRoot, keyUse, kinesisRead, kinesisWrite, logWrite, objectArns, policyDocument, s3Objects, serviceTrust, viaService } from '../../core/iam';

const STREAM = 'arn:aws:kinesis:eu-west-1:111111111111:stream/sluice-dev-events';
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/k';
const LOGS = 'arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/f';
const BUCKET = 'arn:aws:s3:::sluice-dev-111111111111-lake';

describe('core/iam: statement builders', () => {
  it('wraps statements in a 2012-10-17 document', () => {
    expect(policyDocument([])).to.deep.equal({ Version: '2012-10-17', Statement: [] });
  });

  it('reads a stream with the calls each kind of reader makes, on the ARNs as given', () => {
    expect(kinesisRead('Read', STREAM, 'lambda')).to.deep.equal({
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
      Resource: STREAM,
    });
    expect(kinesisRead('Read', [STREAM], 'firehose')).to.deep.include({
      Action: ['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
      Resource: [STREAM],
    });
    expect(kinesisRead('Read', STREAM, 'flink').Action).to.deep.equal(['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']);
  });

  it('writes a stream with PutRecords only', () => {
    expect(kinesisWrite('W', STREAM)).to.deep.equal({ Sid: 'W', Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: STREAM });
  });

  it('uses the key for Decrypt and GenerateDataKey, through the named services only when asked', () => {
    expect(keyUse('K', KEY)).to.deep.equal({ Sid: 'K', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: KEY });
    expect(keyUse('K', KEY, { region: 'eu-west-1', services: ['s3'] }).Condition).to.deep.equal({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    expect(keyUse('K', KEY, { region: 'eu-west-1', services: ['kinesis', 's3'] }).Condition).to.deep.equal({
      StringEquals: { 'kms:ViaService': ['kinesis.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] },
    });
    expect(viaService('kinesis', 'us-east-1')).to.equal('kinesis.us-east-1.amazonaws.com');
  });

  it("writes only to the streams of one's own log group", () => {
    expect(logWrite('L', LOGS)).to.deep.equal({ Sid: 'L', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: `${LOGS}:log-stream:*` });
    expect(logWrite('L', LOGS, { createStreams: true }).Action).to.deep.equal(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('scopes object actions to key prefixes', () => {
    expect(objectArns(BUCKET, ['raw/', 'errors/'])).to.deep.equal([`${BUCKET}/raw/*`, `${BUCKET}/errors/*`]);
    expect(s3Objects('O', ['s3:PutObject'], BUCKET, ['errors/'])).to.deep.equal({ Sid: 'O', Effect: 'Allow', Action: 's3:PutObject', Resource: `${BUCKET}/errors/*` });
    expect(s3Objects('O', ['s3:GetObject', 's3:PutObject'], BUCKET, ['a/', 'b/']).Resource).to.deep.equal([`${BUCKET}/a/*`, `${BUCKET}/b/*`]);
  });

  it('trusts one service, with conditions when given', () => {
    expect(serviceTrust('lambda.amazonaws.com').Statement).to.deep.equal([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(serviceTrust('firehose.amazonaws.com', { StringEquals: { 'sts:ExternalId': '1' } }).Statement[0]?.Condition).to.deep.equal({ StringEquals: { 'sts:ExternalId': '1' } });
    expect(accountRoot('333333333333')).to.equal('arn:aws:iam::333333333333:root');
  });
});
