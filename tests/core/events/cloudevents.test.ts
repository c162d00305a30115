import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapCloudEvent, parseRfc3339, validateCloudEvent } from '../../../core/events/cloudevents';
import { SchemaRegistry } from '../../../core/events/registry';
import { createContext, validateLine } from '../../../core/events/validate';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'cloudevents');
interface Vector {
  id: string;
  event?: Record<string, unknown>;
  batch?: unknown[];
}
const vectors = (file: string): Vector[] => (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { tests: Vector[] }).tests;
const isValidEvent = (e: unknown) => e !== null && typeof e === 'object' && !Array.isArray(e) && validateCloudEvent(e as Record<string, unknown>).length === 0;
const ctx = () => createContext({ source: 'stream', registry: new SchemaRegistry(new Map()), ingestedAt: new Date('2026-11-22T00:00:00Z') });

describe('CloudEvents 1.0 structured JSON', () => {
  describe('conformance vectors (cloudevents/conformance format/json)', () => {
    const valid = vectors('valid-events.json');
    const invalid = vectors('invalid-events.json');
    it('has the expected vector counts', () => {
      expect(valid).to.have.length(10);
      expect(invalid).to.have.length(25);
    });
    for (const v of valid) {
      it(`accepts ${v.id}`, () => expect(validateCloudEvent(v.event!)).to.deep.equal([]));
    }
    for (const v of invalid) {
      it(`rejects ${v.id}`, () => {
        const reasons = validateCloudEvent(v.event!);
        expect(reasons).to.not.be.empty;
        for (const r of reasons) expect(r.code).to.equal('invalid_cloudevent');
      });
    }
    for (const v of vectors('valid-batches.json')) {
      it(`accepts every event of ${v.id}`, () => expect(v.batch!.every(isValidEvent)).to.equal(true));
    }
    for (const v of vectors('invalid-batches.json')) {
      it(`finds the invalid event of ${v.id}`, () => expect(v.batch!.every(isValidEvent)).to.equal(false));
    }
  });

  describe('the 7 cases the official JSON schema accepts', () => {
    const base = { specversion: '1.0', id: 'x', type: 't', source: 'https://example.com' };
    for (const [label, over, words] of [
      ['unknown specversion', { specversion: '0.9' }, 'unsupported "specversion" "0.9"; only "1.0" is accepted'],
      ['capitalised extension name', { MyExtension: 'bad' }, 'extension attribute name "MyExtension" must use only lower-case letters a-z and digits 0-9'],
      ['punctuated extension name', { 'my.extension': 'bad' }, 'extension attribute name "my.extension"'],
      ['non-integer extension value', { myext: 1.5 }, 'numeric attributes must be 32-bit integers'],
      ['integer extension value beyond 32 bits', { myext: 2147483648 }, 'numeric attributes must be 32-bit integers'],
      ['data together with data_base64', { data: 'text', data_base64: 'eyAieHl6IjogMTIzIH0=' }, '"data" and "data_base64" are mutually exclusive'],
      ['hour-only time offset', { time: '2018-04-05T18:31:00+05' }, '"time" must be an RFC 3339 timestamp'],
      ['non-RFC-2046 datacontenttype', { datacontenttype: 'xyz' }, '"datacontenttype" must be an RFC 2046 media type'],
    ] as const) {
      it(`rejects ${label}`, () => {
        const messages = validateCloudEvent({ ...base, ...over }).map((r) => r.message);
        expect(messages.join('\n')).to.contain(words);
      });
    }
    it('reports both problems of "my.extension": 1.5', () => {
      expect(validateCloudEvent({ ...base, 'my.extension': 1.5 })).to.have.length(2);
    });
    it('accepts media types with parameters and structured suffixes', () => {
      for (const t of ['application/json', 'application/cloudevents+json; charset=utf-8', 'text/plain;charset="utf-8"', 'application/vnd.api+json']) {
        expect(validateCloudEvent({ ...base, datacontenttype: t }), t).to.deep.equal([]);
      }
    });
    it('rejects object and array extension values, and control characters in strings', () => {
      expect(validateCloudEvent({ ...base, ext: { a: 1 } })[0].message).to.contain('must be a string, boolean or integer, got object');
      expect(validateCloudEvent({ ...base, ext: [1] })[0].message).to.contain('got array');
      expect(validateCloudEvent({ ...base, subject: 'a\u0001b' })[0].message).to.contain('control character');
    });
    it('rejects a relative dataschema and a source that is not a URI-reference', () => {
      expect(validateCloudEvent({ ...base, dataschema: '/relative' })[0].message).to.contain('"dataschema" must be an absolute URI');
      expect(validateCloudEvent({ ...base, source: 'has space' })[0].message).to.contain('"source" must be a URI-reference');
    });
  });

  describe('RFC 3339 time', () => {
    it('parses offsets, fractions and lower-case separators to the same instant', () => {
      const t = Date.UTC(2018, 3, 5, 17, 31);
      for (const s of ['2018-04-05T17:31:00Z', '2018-04-05T18:31:00+01:00', '2018-04-05T16:31:00-01:00', '2018-04-05t17:31:00z', '2018-04-05T17:31:00.000000000Z']) {
        expect(parseRfc3339(s), s).to.equal(t);
      }
      expect(parseRfc3339('2018-04-05T17:31:00.1239Z')).to.equal(t + 123);
    });
    it('rejects impossible dates and offsets', () => {
      for (const s of ['2018-02-30T00:00:00Z', '2019-02-29T00:00:00Z', '2018-13-01T00:00:00Z', '2018-04-05T24:00:00Z', '2018-04-05T18:31:00+25:00', '2018-04-05T18:31Z', '2018-04-05 18:31:00Z']) {
        expect(parseRfc3339(s), s).to.equal(undefined);
      }
      expect(parseRfc3339('2020-02-29T00:00:00Z')).to.equal(Date.UTC(2020, 1, 29));
    });
  });

  describe('mapping to a Sluice event', () => {
    const ce = {
      specversion: '1.0',
      id: '7D4F2A5E-1C3B-4E8A-9F0D-2B6C8E1A3F57',
      type: 'lesson:started',
      source: '/mobile/ios',
      subject: 'u_42',
      time: '2026-03-17T11:15:30.250+01:00',
      datacontenttype: 'application/json',
      traceparent: '00-abc-def-01',
      data: { user_id: 'u_42', properties: { course_id: 'c1', lesson_id: 'l1' } },
    };
    it('maps id, type, time and data fields, keeping the other attributes under "cloudevent"', () => {
      const r = validateLine(JSON.stringify(ce), ctx());
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(JSON.parse(r.json)).to.deep.equal({
        event_uuid: '7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f57',
        event_name: 'lesson:started',
        created_at: 1773742530.25,
        user_id: 'u_42',
        properties: { course_id: 'c1', lesson_id: 'l1' },
        cloudevent: { specversion: '1.0', source: '/mobile/ios', subject: 'u_42', datacontenttype: 'application/json', traceparent: '00-abc-def-01' },
        created_datetime: '2026-03-17T10:15:30.250Z',
        event_type: 'lesson',
        event_subtype: 'started',
        ingested_at: '2026-11-22T00:00:00.000Z',
        source: 'stream',
      });
    });
    it('keeps non-object data and data_base64 as payload fields', () => {
      expect(mapCloudEvent({ ...ce, data: 'plain text' }).event.data).to.equal('plain text');
      const { data: _d, ...noData } = ce;
      expect(mapCloudEvent({ ...noData, data_base64: 'TWE=' }).event).to.include({ data_base64: 'TWE=' });
    });
    it('requires a UUID id, an event-name type and a time, saying which attribute', () => {
      const r = validateLine(JSON.stringify(vectors('valid-events.json')[0].event), ctx());
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(r.reasons.map((x) => x.code)).to.deep.equal(['missing_field', 'invalid_uuid', 'invalid_event_name']);
      expect(r.reasons[0].message).to.contain('"time" is required by this platform');
    });
    it('rejects data fields that collide with the envelope', () => {
      const r = validateLine(JSON.stringify({ ...ce, data: { event_uuid: 'x', a: 1 } }), ctx());
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reasons[0].message).to.contain('data field "event_uuid" collides with the envelope');
    });
    it('rejects a spec-invalid CloudEvent with the spec reasons only', () => {
      const r = validateLine(JSON.stringify({ ...ce, specversion: '0.3' }), ctx());
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reasons.map((x) => x.code)).to.deep.equal(['invalid_cloudevent']);
    });
  });
});
