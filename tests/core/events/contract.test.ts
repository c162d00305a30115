import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../../local/generator';
import { isoFromSeconds } from '../../../core/events/envelope';
import { loadRegistry, SchemaRegistry } from '../../../core/events/registry';
import { createContext, stampIngestedAt, validateLine, ValidationContext } from '../../../core/events/validate';

const INGESTED = new Date('2026-11-22T03:00:00.000Z');
const registry = SchemaRegistry.fromDirectory();
const ctx = (over: Partial<Parameters<typeof createContext>[0]> = {}): ValidationContext => createContext({ source: 'partner-files', registry, ingestedAt: INGESTED, ...over });
const UUID = '7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f57';
const base = { event_uuid: UUID, event_name: 'page:viewed', created_at: 1767225600.5 };
const line = (over: Record<string, unknown> = {}, drop: string[] = []) => {
  const e: Record<string, unknown> = { ...base, ...over };
  for (const d of drop) delete e[d];
  return JSON.stringify(e);
};
const accept = (text: string, c = ctx()) => {
  const r = validateLine(text, c);
  if (!r.ok) throw new Error(`expected acceptance, got ${JSON.stringify(r.reasons)}`);
  return r;
};
const reject = (text: string, c = ctx()) => {
  const r = validateLine(text, c);
  if (r.ok) throw new Error(`expected rejection of ${text}`);
  return r.reasons;
};
const codes = (text: string, c = ctx()) => reject(text, c).map((r) => r.code);

describe('event contract: validateLine', () => {
  it('appends the enriched fields to the input bytes, payload untouched', () => {
    const text =
      '{"event_uuid":"7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f57","event_name":"payment:order:completed","created_at":1767225600.5,"user_id":"u_1","properties":{"order_id":"ord_1","currency":"GBP","amount":12.5,"payment_method":"card","note":"caf\\u00e9 1.50"}}';
    const r = accept(text);
    expect(r.json).to.equal(
      text.slice(0, -1) + ',"created_datetime":"2026-01-01T00:00:00.500Z","event_type":"payment","event_subtype":"order","ingested_at":"2026-11-22T03:00:00.000Z","source":"partner-files"}',
    );
    expect(r.envelope).to.deep.equal({
      event_uuid: UUID,
      event_name: 'payment:order:completed',
      created_at: 1767225600.5,
      created_datetime: '2026-01-01T00:00:00.500Z',
      event_type: 'payment',
      event_subtype: 'order',
      ingested_at: '2026-11-22T03:00:00.000Z',
      source: 'partner-files',
    });
  });

  it('sets event_subtype to null for a one-part name and to the second part for three parts', () => {
    expect(JSON.parse(accept(line({ event_name: 'heartbeat' })).json)).to.include({ event_type: 'heartbeat', event_subtype: null });
    expect(JSON.parse(accept(line({ event_name: 'a:b:c:d' })).json)).to.include({ event_type: 'a', event_subtype: 'b' });
  });

  it('makes pretty-printed input one line without changing its content', () => {
    const text = JSON.stringify({ ...base, nested: { a: [1, 2], s: 'x y' } }, null, 2).replace(/\n/g, '\r\n') + '\n';
    const r = accept(text);
    expect(r.json).to.not.match(/[\r\n]/);
    expect(JSON.parse(r.json)).to.deep.equal({
      ...base,
      nested: { a: [1, 2], s: 'x y' },
      created_datetime: '2026-01-01T00:00:00.500Z',
      event_type: 'page',
      event_subtype: 'viewed',
      ingested_at: '2026-11-22T03:00:00.000Z',
      source: 'partner-files',
    });
  });

  it('stores upper-case UUIDs and names lower-case', () => {
    const r = accept(line({ event_uuid: UUID.toUpperCase(), event_name: 'Account:Created' }), ctx({ registry: new SchemaRegistry(new Map()) }));
    const out = JSON.parse(r.json);
    expect(out).to.include({ event_uuid: UUID, event_name: 'account:created', event_type: 'account', event_subtype: 'created' });
    expect(r.envelope.event_uuid).to.equal(UUID);
  });

  it('uses the ingested_at stamped on the context', () => {
    const c = ctx();
    stampIngestedAt(c, new Date('2027-01-02T03:04:05.678Z'));
    expect(JSON.parse(accept(line(), c).json).ingested_at).to.equal('2027-01-02T03:04:05.678Z');
  });

  it('escapes the source name once, in the appended tail', () => {
    expect(JSON.parse(accept(line(), ctx({ source: 'odd"name' })).json).source).to.equal('odd"name');
  });

  describe('event_uuid', () => {
    for (const ok of [UUID, UUID.toUpperCase(), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-1fff-bfff-ffffffffffff']) {
      it(`accepts ${ok}`, () => accept(line({ event_uuid: ok })));
    }
    it('rejects a missing or null event_uuid as missing', () => {
      expect(codes(line({}, ['event_uuid']))).to.deep.equal(['missing_field']);
      expect(codes(line({ event_uuid: null }))).to.deep.equal(['missing_field']);
    });
    for (const [bad, words] of [
      ['evt-123', 'must be a UUID, got "evt-123"'],
      [UUID.slice(0, 35), '36 characters'],
      [`${UUID}0`, '36 characters'],
      [UUID.replace(/-/g, ''), '8-4-4-4-12'],
      [`{${UUID}}`, `send the bare form "${UUID}"`],
      [`urn:uuid:${UUID}`, `send the bare form "${UUID}"`],
      [UUID.replace('7', 'g'), 'must be a UUID'],
      ['', 'must be a UUID'],
    ] as const) {
      it(`rejects ${JSON.stringify(bad)}`, () => {
        const reasons = reject(line({ event_uuid: bad }));
        expect(reasons).to.have.length(1);
        expect(reasons[0].code).to.equal('invalid_uuid');
        expect(reasons[0].message).to.contain(words);
      });
    }
    it('rejects a number', () => expect(reject(line({ event_uuid: 123 }))[0].message).to.equal('event_uuid must be a UUID string, got number 123'));
  });

  describe('event_name', () => {
    for (const ok of ['a', 'lesson:started', 'payment:order:completed', 'a_b:c_1:2', '0:9', `a${'b'.repeat(127)}`, `${'a:'.repeat(63)}bc`]) {
      it(`accepts ${JSON.stringify(ok.length > 40 ? `${ok.slice(0, 20)}... (${ok.length} chars)` : ok)}`, () => accept(line({ event_name: ok }), ctx({ registry: new SchemaRegistry(new Map()) })));
    }
    for (const [bad, words] of [
      ['', 'it is empty'],
      [':lesson', 'empty part'],
      ['lesson:', 'empty part'],
      ['lesson::started', 'empty part'],
      [':', 'empty part'],
      ['Lesson Started', 'contains " "'],
      ['lesson.started', 'contains "."'],
      ['lesson-started', 'contains "-"'],
      [' lesson:started', 'contains " "'],
      ['lesson:started\n', 'contains "\\n"'],
      ['paiement:réglé', 'contains "é"'],
      ['\u212Aey:x', 'contains "\u212A"'],
      [`a${'b'.repeat(128)}`, 'it is 129 characters long, the limit is 128'],
    ] as const) {
      it(`rejects ${JSON.stringify(bad.length > 40 ? `${bad.slice(0, 10)}... (${bad.length} chars)` : bad)}`, () => {
        const reasons = reject(line({ event_name: bad }));
        expect(reasons.map((r) => r.code)).to.deep.equal(['invalid_event_name']);
        expect(reasons[0].message).to.contain(words);
      });
    }
    it('reports every problem of one name', () => {
      const [r] = reject(line({ event_name: `:${'x'.repeat(130)}.` }));
      expect(r.message).to.contain('empty part').and.contain('it is 132 characters long').and.contain('contains "."');
    });
    it('rejects non-strings and reports a missing name as missing', () => {
      expect(codes(line({ event_name: 42 }))).to.deep.equal(['invalid_event_name']);
      expect(codes(line({ event_name: ['a'] }))).to.deep.equal(['invalid_event_name']);
      expect(codes(line({}, ['event_name']))).to.deep.equal(['missing_field']);
    });
  });

  describe('created_at', () => {
    for (const ok of [0, 1, 1767225600, 1767225600.123, 1767225600.123456, 999999999999 - 746597700000, 253402300799.999]) {
      it(`accepts ${ok}`, () => accept(line({ created_at: ok })));
    }
    it('rejects milliseconds (13 digits) with a reason saying so, never reinterpreting them', () => {
      const reasons = reject(line({ created_at: 1767225600123 }));
      expect(reasons).to.deep.equal([{ code: 'created_at_milliseconds', message: 'created_at 1767225600123 looks like milliseconds (13 digits); send seconds, e.g. 1767225600.123' }]);
      expect(codes(line({ created_at: 1000000000000 }))).to.deep.equal(['created_at_milliseconds']);
      expect(codes(line({ created_at: 9999999999999.5 }))).to.deep.equal(['created_at_milliseconds']);
    });
    for (const [bad, words] of [
      [253402300800, 'after the year 9999'],
      [999999999999, 'after the year 9999'],
      [1e13, 'after the year 9999'],
      [1767225600123456, 'after the year 9999'],
      [-1, 'must not be negative'],
      [-0.001, 'must not be negative'],
      ['1767225600', 'got string "1767225600"'],
      ['2026-01-01T00:00:00Z', 'send 1767225600'],
      [true, 'got boolean true'],
      [{ s: 1 }, 'got object'],
    ] as const) {
      it(`rejects ${JSON.stringify(bad)}`, () => {
        const reasons = reject(line({ created_at: bad }));
        expect(reasons.map((r) => r.code)).to.deep.equal(['invalid_created_at']);
        expect(reasons[0].message).to.contain(words);
      });
    }
    it('rejects a number JSON cannot represent as finite (1e400)', () => {
      expect(reject(line().replace('1767225600.5', '1e400'))[0].message).to.equal('created_at must be a finite number of seconds, got Infinity');
    });
    it('reports a missing or null created_at as missing', () => {
      expect(codes(line({}, ['created_at']))).to.deep.equal(['missing_field']);
      expect(codes(line({ created_at: null }))).to.deep.equal(['missing_field']);
    });
    it('formats created_datetime as ISO 8601 UTC with milliseconds, rounded to the millisecond', () => {
      expect(JSON.parse(accept(line({ created_at: 1767225600.1234 })).json).created_datetime).to.equal('2026-01-01T00:00:00.123Z');
      expect(JSON.parse(accept(line({ created_at: 1767225599.9996 })).json).created_datetime).to.equal('2026-01-01T00:00:00.000Z');
      expect(JSON.parse(accept(line({ created_at: 0 })).json).created_datetime).to.equal('1970-01-01T00:00:00.000Z');
      expect(JSON.parse(accept(line({ created_at: 253402300799.999 })).json).created_datetime).to.equal('9999-12-31T23:59:59.999Z');
    });
    it('formats created_datetime exactly like Date.toISOString across days, years and leap days', () => {
      for (let i = 0; i < 20000; i++) {
        const s = Math.round(((i * 7919.37) % 1) * 253402300799999 + i) / 1000;
        expect(isoFromSeconds(s)).to.equal(new Date(Math.round(s * 1000)).toISOString());
      }
      expect(isoFromSeconds(1709164800)).to.equal('2024-02-29T00:00:00.000Z');
    });
  });

  describe('reserved enriched fields', () => {
    it('accepts a field that carries exactly the value the platform sets, without duplicating the key', () => {
      const r = accept(line({ event_type: 'page', event_subtype: 'viewed', source: 'partner-files', created_datetime: '2026-01-01T00:00:00.500Z' }));
      expect(r.json.match(/"event_type"/g)).to.have.length(1);
      expect(r.json.match(/"source"/g)).to.have.length(1);
      expect(JSON.parse(r.json)).to.include({ event_type: 'page', ingested_at: '2026-11-22T03:00:00.000Z' });
    });
    for (const [field, value] of [
      ['event_type', 'billing'],
      ['event_subtype', null],
      ['source', 'mobile'],
      ['created_datetime', '2026-01-01T00:00:00Z'],
      ['ingested_at', '2026-01-01T00:00:00.000Z'],
    ] as const) {
      it(`rejects ${field} with a different value (no silent overwrite)`, () => {
        const reasons = reject(line({ [field]: value }));
        expect(reasons.map((r) => r.code)).to.deep.equal(['reserved_field_conflict']);
        expect(reasons[0].message).to.contain(`${field} is set by the platform`).and.contain(`remove ${field}`);
      });
    }
  });

  it('returns every reason found, not only the first', () => {
    const reasons = reject(line({ event_uuid: 'x', event_name: 'Bad Name', created_at: 1767225600123, source: 'elsewhere' }));
    expect(reasons.map((r) => r.code)).to.deep.equal(['invalid_uuid', 'invalid_event_name', 'created_at_milliseconds', 'reserved_field_conflict']);
  });

  it('rejects text that is not JSON, with the parser message', () => {
    const [r] = reject('{"event_uuid": "x", "event_name": "lesson:st');
    expect(r.code).to.equal('not_json');
    expect(r.message).to.match(/^not valid JSON: /);
    expect(codes('')).to.deep.equal(['not_json']);
  });

  for (const [text, kind] of [
    ['null', 'null'],
    ['[{"a":1}]', 'an array'],
    ['42', 'a number'],
    ['"hello"', 'a string'],
    ['true', 'a boolean'],
  ] as const) {
    it(`rejects ${text} as not an object`, () => {
      const [r] = reject(text);
      expect(r.code).to.equal('not_object');
      expect(r.message).to.contain(`got ${kind}`);
    });
  }

  describe('schema registry', () => {
    const lesson = (properties: Record<string, unknown>, user = 'u_12') => line({ event_name: 'lesson:completed', user_id: user, properties });
    it("accepts an event that matches its name's schema", () => accept(lesson({ course_id: 'c', lesson_id: 'l', duration_seconds: 60 })));
    it('rejects every violation of the schema, naming the path and the schema', () => {
      const reasons = reject(lesson({ course_id: 'c', duration_seconds: -1, score: 101 }, 'bob'));
      expect(reasons.map((r) => r.code)).to.deep.equal(['schema_violation', 'schema_violation', 'schema_violation', 'schema_violation']);
      expect(reasons.map((r) => r.message)).to.have.members([
        '/user_id must match pattern "^u_[0-9]+$" (schema lesson:completed)',
        "/properties must have required property 'lesson_id' (schema lesson:completed)",
        '/properties/duration_seconds must be >= 0 (schema lesson:completed)',
        '/properties/score must be <= 100 (schema lesson:completed)',
      ]);
    });
    it('validates upper-case names against the lower-case schema', () => {
      expect(codes(line({ event_name: 'Lesson:Completed' }))).to.deep.equal(['schema_violation', 'schema_violation']);
    });
    it('accepts an unknown event name when the stack says accept, rejects it when it says reject', () => {
      accept(line({ event_name: 'brand:new' }));
      const reasons = reject(line({ event_name: 'brand:new' }), ctx({ unknownEventNames: 'reject' }));
      expect(reasons).to.deep.equal([
        { code: 'unknown_event_name', message: 'event_name "brand:new" has no schema in the registry and this stack rejects unknown names; add core/events/schemas/brand:new.json or fix the name' },
      ]);
    });
    it('ships schemas for a sample of event names, compiled once per folder', () => {
      expect(registry.names).to.include.members(['account:created', 'lesson:started', 'lesson:completed', 'payment:order:completed']);
      expect(loadRegistry()).to.equal(loadRegistry());
    });
    it('refuses a schema file whose name is not a lower-case event name, or that does not compile', () => {
      expect(() => new SchemaRegistry(new Map([['Lesson.Started', {}]]))).to.throw('"Lesson.Started" is not a lower-case event name');
      expect(() => new SchemaRegistry(new Map([['a:b', { type: 'nonsense' }]]))).to.throw('the schema for "a:b" does not compile');
      const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
      writeFileSync(join(dir, 'a:b.json'), '{ not json');
      expect(() => SchemaRegistry.fromDirectory(dir)).to.throw(`${join(dir, 'a:b.json')} is not valid JSON`);
      expect(() => SchemaRegistry.fromDirectory(join(dir, 'missing'))).to.throw('cannot read the schema folder');
    });
  });

  it('rejects an enriched event larger than one Kinesis record', () => {
    const big = line({ blob: 'x'.repeat(1024 * 1024) });
    const [r] = reject(big);
    expect(r.code).to.equal('too_large');
    expect(r.message).to.contain('above the 1048320-byte limit of one Kinesis record');
    expect(codes(line({ blob: 'é'.repeat(200) }), ctx({ maxEventBytes: 400 }))).to.deep.equal(['too_large']);
  });

  it('agrees with the generator: its valid lines pass and each invalid line fails first with the kind it was made as', () => {
    const run = generate({ events: 3000, seed: 11, invalid: 0.3, duplicates: 0.05, late: 0.05 });
    const byKind: Record<string, number> = {};
    let valid = 0;
    for (const text of run.lines) {
      const r = validateLine(text, ctx());
      if (r.ok) valid++;
      else byKind[r.reasons[0].code] = (byKind[r.reasons[0].code] ?? 0) + 1;
    }
    expect(valid).to.equal(run.stats.valid);
    expect(byKind).to.deep.equal(Object.fromEntries(Object.entries(run.stats.invalidByKind).filter(([, n]) => n > 0)));
  });
});
