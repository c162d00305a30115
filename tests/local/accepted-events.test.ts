import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '../../core/events/registry';
import { createContext, validateLine } from '../../core/events/validate';
import { acceptedEvents } from '../../local/accepted-events';
import { writeBenchInput } from '../../local/bench/flink';
import { acceptedAt, generate } from '../../local/generator';

describe('generated events as the ingestion code accepts them', () => {
  it('gives the enriched text of every generated event, accepted at the end of its span', () => {
    const opts = { events: 500, seed: 4, duplicates: 0.05, late: 0.02 };
    const ctx = createContext({ source: 'unit', registry: loadRegistry(), ingestedAt: acceptedAt(opts) });
    const expected = [...generate(opts).lines].map((line) => {
      const result = validateLine(line, ctx);
      if (!result.ok) throw new Error('a generated event was rejected');
      return result.json;
    });
    expect([...acceptedEvents(opts, 'unit')]).to.deep.equal(expected);
    expect(JSON.parse(expected[0]).source).to.equal('unit');
  });

  it('refuses options that make invalid events, with the validator reason', () => {
    expect(() => [...acceptedEvents({ events: 200, seed: 1, invalid: 0.5 }, 'unit')]).to.throw(/^generated event rejected by the validator: /);
  });

  it("writes the Flink benchmark's input and counts what it wrote", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-input-'));
    try {
      const path = join(dir, 'events.jsonl');
      const stats = await writeBenchInput(path, 3000, 2);
      const text = readFileSync(path, 'utf8');
      const generated = generate({ events: 3000, seed: 2, duplicates: 0.02, late: 0.01, invalid: 0 });
      for (const _ of generated.lines);
      expect(text).to.equal([...acceptedEvents({ events: 3000, seed: 2, duplicates: 0.02, late: 0.01, invalid: 0 }, 'bench')].map((e) => `${e}\n`).join(''));
      expect(stats).to.deep.equal({ lines: 3000, bytes: Buffer.byteLength(text), duplicates: generated.stats.duplicates, late: generated.stats.late });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
