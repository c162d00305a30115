import { expect } from 'chai';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { SchemaRegistry } from '../../../core/events/registry';
import { createContext, validateLine } from '../../../core/events/validate';
import { payloadText } from '../../../core/lake/rows';
import { ingestFile } from '../../../functions/ingest/pipeline';

const INGESTED = new Date('2026-11-22T03:00:00.000Z');
const registry = SchemaRegistry.fromDirectory();
const ctx = (reg = registry) => createContext({ source: 'partner-files', registry: reg, ingestedAt: INGESTED });
const UUID = '7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f57';
const TAIL = ',"created_datetime":"2026-01-01T00:00:00.000Z","event_type":"page","event_subtype":"viewed","ingested_at":"2026-11-22T03:00:00.000Z","source":"partner-files"}';
const PAYLOAD = '"big":12345678901234567890,"neg":-0,"huge":1e400,"esc":"caf\\u00e9 \\/ \\ud83d\\ude00","z":1,"a":{"y":[1.10,2E3]},"__proto__":{"x":1},"constructor":"c"';
const codes = (text: string) => {
  const r = validateLine(text, ctx());
  return r.ok ? [] : r.reasons.map((x) => x.code);
};

describe('event contract: hostile input', () => {
  it('keeps the payload byte for byte when the envelope is normalised', () => {
    const r = validateLine(`{"event_uuid":"${UUID.toUpperCase()}","event_name":"Page:Viewed","created_at":1767225600,${PAYLOAD}}`, ctx());
    expect(r.ok && r.json).to.equal(`{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,${PAYLOAD}${TAIL}`);
  });

  it('keeps a CloudEvent data payload byte for byte', () => {
    const r = validateLine(`{"specversion":"1.0","id":"${UUID}","source":"/s","type":"page:viewed","time":"2026-01-01T00:00:00Z","data":{${PAYLOAD}}}`, ctx());
    expect(r.ok && r.json).to.equal(`{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,${PAYLOAD},"cloudevent":{"specversion":"1.0","source":"/s"}${TAIL}`);
  });

  it('keeps carried enriched fields as sent instead of serialising the event again', () => {
    const text = `{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,"source":"partner-files",${PAYLOAD}}`;
    const r = validateLine(text, ctx());
    expect(r.ok && r.json).to.equal(`${text.slice(0, -1)},"created_datetime":"2026-01-01T00:00:00.000Z","event_type":"page","event_subtype":"viewed","ingested_at":"2026-11-22T03:00:00.000Z"}`);
  });

  it('cuts the curated payload from the text, __proto__ included', () => {
    const r = validateLine(`{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,${PAYLOAD}}`, ctx());
    expect(r.ok && payloadText(r.json)).to.equal(`{${PAYLOAD}}`);
  });

  it('never takes a prototype from a CloudEvent data key', () => {
    const reg = new SchemaRegistry(new Map([['page:viewed', { type: 'object', properties: { user_id: { type: 'string' } }, required: ['user_id'] }]]));
    const text = `{"specversion":"1.0","id":"${UUID}","source":"/s","type":"page:viewed","time":"2026-01-01T00:00:00Z","data":{"__proto__":{"user_id":"u"}}}`;
    const r = validateLine(text, ctx(reg));
    expect(r.ok).to.equal(false);
    expect(!r.ok && r.reasons.map((x) => x.code)).to.deep.equal(['schema_violation']);
    const ctor = new SchemaRegistry(new Map([['page:viewed', { type: 'object', properties: { constructor: {} }, required: ['constructor'] }]]));
    expect(validateLine(`{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600}`, ctx(ctor)).ok).to.equal(false);
  });

  it("refuses nesting and numbers beyond Flink's parser, accepting exactly up to the limits", () => {
    const ev = (payload: string) => `{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,"x":${payload}}`;
    expect(codes(ev('['.repeat(999) + ']'.repeat(999)))).to.deep.equal([]);
    expect(codes(ev('['.repeat(1000) + ']'.repeat(1000)))).to.deep.equal(['beyond_reader_limits']);
    expect(codes(ev('['.repeat(100000) + ']'.repeat(100000)))).to.deep.equal(['beyond_reader_limits']);
    expect(codes(ev('9'.repeat(1000)))).to.deep.equal([]);
    expect(codes(ev('9'.repeat(1001)))).to.deep.equal(['beyond_reader_limits']);
    expect(codes(ev(`"${'k'.repeat(10)}"`))).to.deep.equal([]);
  });

  it('refuses duplicate keys, case-only collisions and unpaired surrogates', () => {
    const base = `"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600`;
    expect(codes(`{${base},"a":1,"a":2}`)).to.deep.equal(['duplicate_key']);
    expect(codes(`{${base},"a":{"b":1,"\\u0062":2}}`)).to.deep.equal(['duplicate_key']);
    expect(codes(`{${base},"a":{"b":1,"B":2}}`)).to.deep.equal(['case_collision']);
    expect(codes(`{${base},"Source":"x"}`)).to.deep.equal(['case_collision']);
    expect(codes(`{${base},"EVENT_TYPE":"x"}`)).to.deep.equal(['case_collision']);
    expect(codes(`{${base},"s":"\\ud800"}`)).to.deep.equal(['unreadable_text']);
  });

  it('finds repeated keys in objects of every size, escaped or not, under Unicode lower-casing', () => {
    const base = `"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600`;
    // Small objects are searched key by key and large ones through a map: both sides of the switch.
    for (const size of [1, 2, 16, 17, 40]) {
      const keys = Array.from({ length: size }, (_, k) => `"k${k}":${k}`).join(',');
      const r = validateLine(`{${base},"o":{${keys},"K0":"x","k${size - 1}":"y"}}`, ctx());
      expect(r.ok ? [] : r.reasons.map((x) => x.message), `${size} keys`).to.deep.equal([
        'the event at depth 2 has the keys "k0" and "K0", which differ only in case; Athena and DuckDB read keys case-insensitively and refuse the row, rename one',
        `the event at depth 2 has the key "k${size - 1}" twice; readers disagree on which value counts (DuckDB refuses the row), send it once`,
      ]);
    }
    expect(codes(`{${base},"a":"x\\"y","b\\"":1,"c":"\\\\","b\\"":2}`)).to.deep.equal(['duplicate_key']);
    expect(codes(`{${base},"a":"x\\"y","b\\"":1,"c":"\\\\","B\\"":2}`)).to.deep.equal(['case_collision']);
    expect(codes(`{${base},"é":1,"É":2}`)).to.deep.equal(['case_collision']);
    expect(codes(`{${base},"k":1,"\u212a":2}`)).to.deep.equal(['case_collision']);
  });

  it('keeps invalid UTF-8 as raw_base64 with its exact bytes', async () => {
    const bad = Buffer.concat([Buffer.from(`{"event_uuid":"${UUID}","event_name":"page:viewed","created_at":1767225600,"s":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const rejected: string[] = [];
    const counts = await ingestFile(Readable.from([Buffer.concat([bad, Buffer.from('\n')])]), { ctx: ctx(), sinks: { publish: () => undefined, reject: (l) => void rejected.push(l) } });
    expect(counts.invalidByReason).to.deep.equal({ invalid_utf8: 1 });
    expect(Buffer.from(JSON.parse(rejected[0]).raw_base64, 'base64').equals(bad)).to.equal(true);
  });

  it('reads every line of a gzip object followed by trailing bytes, and says they were ignored', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `{"event_uuid":"${UUID.slice(0, -4)}${String(i).padStart(4, '0')}","event_name":"page:viewed","created_at":1767225600,"i":${i}}`);
    const body = Buffer.concat([gzipSync(lines.join('\n') + '\n'), Buffer.from('trailing garbage')]);
    const published: string[] = [];
    const rejected: string[] = [];
    const chunks = Array.from({ length: Math.ceil(body.length / 4096) }, (_, i) => body.subarray(i * 4096, (i + 1) * 4096));
    const counts = await ingestFile(Readable.from(chunks), { ctx: ctx(), sinks: { publish: (e) => void published.push(e.data), reject: (l) => void rejected.push(l) } });
    expect(published).to.have.length(1000);
    expect(counts.valid).to.equal(1000);
    expect(rejected).to.have.length(1);
    expect(JSON.parse(rejected[0]).error.reasons[0]).to.match(/after the last complete gzip member is not gzip and was ignored/);
  });

  it('property: valid + invalid == read, valid payloads byte-exact, invalid ones kept exactly', async () => {
    const key = fc
      .string({ minLength: 1, maxLength: 8 })
      .filter((k) => !['event_uuid', 'event_name', 'created_at', 'created_datetime', 'event_type', 'event_subtype', 'ingested_at', 'source', 'specversion'].includes(k.toLowerCase()));
    const payload = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }).map((o) => JSON.stringify(o).slice(1, -1));
    const line = fc.oneof(
      payload.map((p) => ({ payload: p as string | undefined, garbage: '' })),
      fc.string({ maxLength: 40 }).map((t) => ({ payload: undefined, garbage: t.replace(/[\r\n]/g, ' ') })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 20 }), async (generated) => {
        const events = generated.map((g, i) => ({
          ...g,
          text:
            g.payload === undefined
              ? g.garbage
              : `{"event_uuid":"7d4f2a5e-1c3b-4e8a-9f0d-${String(i).padStart(12, '0')}","event_name":"page:viewed","created_at":1767225600${g.payload ? `,${g.payload}` : ''}}`,
        }));
        const published: string[] = [];
        const rejected: Array<{ raw?: string }> = [];
        const text = events.map((e) => e.text).join('\n') + '\n';
        const counts = await ingestFile(Readable.from([Buffer.from(text)]), {
          ctx: ctx(),
          format: 'jsonl',
          sinks: { publish: (e) => void published.push(e.data), reject: (l) => void rejected.push(JSON.parse(l)) },
        });
        const nonBlank = events.filter((e) => e.text.trim() !== '');
        expect(counts.valid + counts.invalid).to.equal(counts.records);
        expect(counts.records).to.equal(nonBlank.length);
        const publishedIndex = new Set<number>();
        for (const out of published) {
          const index = Number((JSON.parse(out) as { event_uuid: string }).event_uuid.slice(-12));
          publishedIndex.add(index);
          expect(out.startsWith(events[index].text.slice(0, -1))).to.equal(true);
          expect(payloadText(out)).to.equal(`{${events[index].payload}}`);
        }
        const rawRejected = rejected.map((r) => r.raw);
        events.forEach((e, i) => {
          if (e.text.trim() !== '' && !publishedIndex.has(i)) expect(rawRejected).to.include(e.text);
        });
      }),
      { numRuns: 200 },
    );
  });
});
