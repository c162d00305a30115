import { Command } from 'commander';
import { join } from 'node:path';
import { bucketName, physicalName } from '../../core/naming';
import { projectRoot } from '../../core/project';
import { UserError } from '../../core/user-error';
import { checkReplayTarget, kafkaTargetStackStream, parseKafkaTarget, ReplayInputError, resolveReplayTarget, type ReplayRequest } from '../../core/replay';
import { STREAM_NAMES } from '../../stacks/types';

// Loaded when the command runs, not when the CLI starts: `sluice --help` stays fast (cli/index.ts).
const stackFile = () => require('../../stacks/file') as typeof import('../../stacks/file');

interface ReplayCliOptions {
  stack: string;
  from: string;
  to: string;
  eventType: string[];
  target: string;
  rate?: string;
  checkpoint?: string;
  archive?: string;
  iKnow?: boolean;
  dir: string;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/**
 * `sluice replay`: re-publishes the raw archive of a range of hours into a stream or a Kafka topic,
 * in order, at a given rate, resumable from its checkpoint file.
 */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("Re-publish a stack's raw archive for a range of hours into a stream or a Kafka topic, in order, rate-limited and resumable")
    .requiredOption('-s, --stack <name>', 'the stack whose archive (lake bucket raw/) and streams to use')
    .requiredOption('--from <date>', 'first UTC day or hour to replay: YYYY-MM-DD or YYYY-MM-DDTHH')
    .requiredOption('--to <date>', 'last UTC day or hour to replay (inclusive): YYYY-MM-DD or YYYY-MM-DDTHH')
    .requiredOption(
      '-t, --target <stream|kafka://host:port/topic>',
      "where to publish: one of the stack's streams (ingest, events, processed, aggregates), any Kinesis stream name or ARN, or a Kafka topic as kafka://host:port/topic",
    )
    .option('-e, --event-type <type>', 'replay only events of this event_type; repeat for several', (value: string, all: string[]) => [...all, value], [])
    .option('-r, --rate <events/s>', 'at most this many events per second (default: as fast as the stream takes them)')
    .option('-c, --checkpoint <file>', 'checkpoint file to resume from and update (default: .sluice/replay/<stack>-<from>-<to>-<target>.json)')
    .option('--archive <dir>', "read the archive from a local lake directory (as sluice local writes it) instead of the stack's lake bucket")
    .option('--i-know', "allow replaying into a prod stack's events or ingest stream (dedup drops what it has seen within the TTL)")
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .addHelpText(
      'after',
      '\nExamples:\n  sluice replay --stack dev --from 2026-03-01 --to 2026-03-17 --target sluice-dev-new-consumer --rate 2000\n' +
        '  sluice replay --stack dev --from 2026-03-17T09 --to 2026-03-17T10 --event-type payment --target events\n' +
        '  sluice replay --stack dev --archive out/local/lake --from 2026-03-17 --to 2026-03-17 --target kafka://127.0.0.1:9092/partner-feed\n' +
        '\nInterrupted (Ctrl-C, a crash), the same command resumes after the last acknowledged batch.\n' +
        'A Kafka target is produced to over plaintext (no TLS, no SASL): a local broker or a cluster on a trusted network;\n' +
        'the topic must exist. Its records carry the event_uuid as key, in batches within the Kinesis limits.',
    )
    .action(async (opts: ReplayCliOptions) => {
      const config = stackFile().loadStackFile(opts.stack, opts.dir);
      const streams = Object.fromEntries(STREAM_NAMES.map((s) => [s, physicalName(config, s)]));
      const kafka = parseKafkaTarget(opts.target);
      const target = kafka ? { stream: opts.target, stackStream: kafkaTargetStackStream(kafka, config.sources.kafka) } : resolveReplayTarget(opts.target, streams);
      checkReplayTarget({ stack: opts.stack, stackStream: target.stackStream, target: opts.target, confirmed: opts.iKnow === true, dedupTtlHours: config.processing.dedupTtlHours });
      const rate = opts.rate === undefined ? undefined : Number(opts.rate);
      if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new ReplayInputError(`--rate ${opts.rate} is not a positive number of events per second; give e.g. --rate 1000`, 2);
      const request: ReplayRequest = { from: opts.from, to: opts.to, eventTypes: opts.eventType, target: target.stream };
      const checkpointFile = opts.checkpoint ?? join(projectRoot(), '.sluice', 'replay', `${opts.stack}-${opts.from}-${opts.to}-${target.stream.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);

      // The AWS SDK loads only here, so `sluice --help` stays fast.
      const { KinesisClient } = require('@aws-sdk/client-kinesis') as typeof import('@aws-sdk/client-kinesis');
      const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      const { NodeHttpHandler } = require('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
      const { KinesisPublisher, PublishError } = require('../../functions/ingest/publisher') as typeof import('../../functions/ingest/publisher');
      const { replay, ReplayInterrupted } = require('../../ops/replay') as typeof import('../../ops/replay');
      const { directoryArchive, s3Archive } = require('../../ops/archive') as typeof import('../../ops/archive');
      const region = config.account.region;
      // HTTP/1.1 with timeouts, as the ingestion functions use: a hung call is retried, not waited on for ever.
      const requestHandler = new NodeHttpHandler({ connectionTimeout: 3000, requestTimeout: 15000 });
      const store = opts.archive !== undefined ? directoryArchive(opts.archive) : s3Archive(new S3Client({ region, requestHandler }), bucketName(config, 'lake'));
      if (kafka) await (require('../../local/kafka-topics') as typeof import('../../local/kafka-topics')).requireTopic(kafka.bootstrap, kafka.topic);
      // A Kafka topic gets the same publisher (batches, limits, retries) over the Kafka producer the local stream validator uses.
      const sender = kafka ? (require('../../local/kafka-sender') as typeof import('../../local/kafka-sender')).kafkaSender(kafka.bootstrap, 'sluice-replay') : undefined;
      const stream = kafka ? { name: kafka.topic } : target.stream.startsWith('arn:') ? { arn: target.stream } : { name: target.stream };
      const sink = new KinesisPublisher({ client: sender ?? new KinesisClient({ region, requestHandler }), stream, onRetry: (n, why) => process.stderr.write(`  retrying ${n} record(s): ${why}\n`) });
      const abort = new AbortController();
      const stop = () => {
        if (abort.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to stop at once)\n');
        abort.abort();
      };
      process.on('SIGINT', stop).on('SIGTERM', stop);
      process.stderr.write(`replaying ${store.location} raw/ ${opts.from} .. ${opts.to} into ${target.stream}${rate ? ` at ${rate} events/s` : ''}; checkpoint ${checkpointFile}\n`);
      let lastPrint = 0;
      try {
        const summary = await replay({
          store,
          request,
          sink,
          rate,
          checkpointFile,
          signal: abort.signal,
          onProgress: (p) => {
            if (p.seconds - lastPrint < 1 && p.objectsDone < p.objects) return;
            lastPrint = p.seconds;
            const pct = p.bytes === 0 ? 100 : Math.floor((p.bytesDone / p.bytes) * 100);
            const eta = p.etaSeconds === undefined ? '' : `, about ${duration(p.etaSeconds)} left`;
            process.stderr.write(`  ${p.objectsDone}/${p.objects} objects (${pct}%), ${p.published} published, ${p.skipped} skipped${eta}\n`);
          },
        });
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        const resumed = summary.resumed ? ` (resumed at ${summary.resumed.key} line ${summary.resumed.line})` : '';
        process.stderr.write(
          `replayed ${summary.published} event(s) from ${summary.objects} archive object(s) in ${duration(summary.seconds)}${resumed}; ` +
            `${summary.skipped} skipped by --event-type, ${summary.unreadable.length} unreadable line(s) left in the archive\n`,
        );
        if (summary.objects === 0) process.stderr.write(`note: ${store.location} holds no archive objects for ${opts.from} .. ${opts.to}; check the range and --archive\n`);
      } catch (err) {
        if (err instanceof ReplayInterrupted) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 130;
          return;
        }
        if (err instanceof PublishError) {
          throw new UserError(`${err.message}; the checkpoint ${checkpointFile} keeps what was delivered: fix the cause and run the same command again to resume`);
        }
        throw err;
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        await sender?.close().catch(() => undefined);
      }
    });
}
