import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { jobSqlParameters } from '../../core/jobs';
import { SchemaRegistry } from '../../core/events/registry';
import { createContext } from '../../core/events/validate';
import { ingestFile } from '../../functions/ingest/pipeline';
import { runFlinkJob } from '../../local/flink';
import { queryLocalLake } from '../../local/lake';
import { loadStackFile } from '../../stacks/file';
import { REPO_ROOT } from '../support/pulumi';

/** Values written the way a re-serialisation would change them, beside arbitrary JSON. */
const RAW_VALUES = ['12345678901234567890', '-0', '1e400', '1.0E+2', '0.10000000000000000000001', '"caf\\u00e9 \\/ \\ud83d\\ude00"', '{ "spaced" : [ 1 , 2 ] }', '"__proto__"'];
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(...RAW_VALUES),
);
const member = fc.tuple(fc.string({ maxLength: 6 }), value);
const payload = fc.array(member, { maxLength: 6 }).map((ms) => ms.map(([k, v], i) => `${JSON.stringify(`k${i}_${k}`)}:${v}`).join(','));

describe('event contract property: validation, Flink and the lake keep every payload byte', function () {
  this.timeout(900000);
  const config = loadStackFile('dev', REPO_ROOT);

  it('valid + invalid == read; valid payloads unchanged through dedup-filter and the lake; invalid ones exact in the error zone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            payload.map((p) => ({ payload: p as string | undefined, garbage: '' })),
            fc.string({ maxLength: 30 }).map((g) => ({ payload: undefined, garbage: g.replace(/[\r\n]/g, ' ') })),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (generated) => {
          const dir = mkdtempSync(join(tmpdir(), 'sluice-property-'));
          const uuid = (i: number) => `7d4f2a5e-1c3b-4e8a-9f0d-${String(i).padStart(12, '0')}`;
          const texts = generated.map((g, i) =>
            g.payload === undefined ? g.garbage : `{"event_uuid":"${uuid(i)}","event_name":"page:viewed","created_at":1767225600${g.payload ? `,${g.payload}` : ''}}`,
          );
          const published: string[] = [];
          const rejected: string[] = [];
          const ctx = createContext({ source: 'property', registry: SchemaRegistry.fromDirectory() });
          const counts = await ingestFile(Readable.from([Buffer.from(texts.join('\n') + '\n')]), {
            ctx,
            format: 'jsonl',
            sinks: { publish: (e) => void published.push(e.data), reject: (l) => void rejected.push((JSON.parse(l) as { raw: string }).raw) },
          });
          expect(counts.valid + counts.invalid).to.equal(counts.records);
          expect(counts.records).to.equal(texts.filter((t) => t.trim() !== '').length);
          const validIndexes = published.map((p) => Number((JSON.parse(p) as { event_uuid: string }).event_uuid.slice(-12)));
          texts.forEach((t, i) => {
            if (t.trim() !== '' && !validIndexes.includes(i)) expect(rejected).to.include(t);
          });
          if (published.length === 0) return;

          const input = join(dir, 'events.jsonl');
          writeFileSync(input, published.join('\n') + '\n');
          const lake = join(dir, 'lake');
          const flink = await runFlinkJob({ job: 'dedup-filter', input, output: join(dir, 'dedup'), lake, params: jobSqlParameters('dedup-filter', config) });
          const processed = readFileSync(flink.outputs.processed.path, 'utf8').trimEnd().split('\n');
          expect([...processed].sort()).to.deep.equal([...published].sort());

          const { rows } = await queryLocalLake(lake, 'SELECT event_uuid, payload FROM events');
          const expected = validIndexes.map((i) => [uuid(i), `{${generated[i].payload}}`]);
          expect([...rows].sort()).to.deep.equal(expected.sort());
        },
      ),
      // Each run starts a Flink mini-cluster: a few runs keep the suite reasonable on 2 cores.
      { numRuns: 2 },
    );
  });
});
