import { Readable } from 'node:stream';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { loadRegistry } from '../../core/events/registry';
import { createContext } from '../../core/events/validate';
import { ingestFile } from '../../functions/ingest/pipeline';
import { describeMachine, Machine, machine } from './machine';

/**
 * Inputs built to make a reader or validator slow down: the same shape at two sizes, so that
 * linear code takes about twice as long for twice the bytes and quadratic code about four times.
 */
export const HOSTILE_SHAPES = {
  /** A gzip object that expands to nothing but spaces (a small upload, a huge decompressed size). */
  'gzip-spaces': { gzip: true, head: '', unit: ' ', tail: '' },
  /** One line with no newline, far longer than any record. */
  'long-line': { gzip: false, head: '{"a":"', unit: 'x', tail: '"}\n' },
  /** One JSON array element nested as deep as the bytes allow. */
  'deep-array': { gzip: false, head: '[', unit: '[', tail: ']' },
  /** Newlines only: many blank lines. */
  'blank-lines': { gzip: true, head: '', unit: '\n', tail: '' },
} as const;

export type HostileShape = keyof typeof HOSTILE_SHAPES;

export interface HostileRun {
  shape: HostileShape;
  /** Decompressed bytes read. */
  mib: number;
  /** Bytes of the object as uploaded (the gzip size for gzip shapes). */
  uploadedBytes: number;
  records: number;
  seconds: number;
  mibPerSecond: number;
}

export interface HostileBenchResult {
  machine: Machine;
  runs: HostileRun[];
  /** Per shape: seconds at the larger size / seconds at the smaller; about the size ratio when linear. */
  growth: Record<string, { sizeRatio: number; timeRatio: number }>;
}

const CHUNK = 64 * 1024;

/** The shape's bytes, `mib` MiB of its repeated unit between its head and tail, as 64 KiB chunks. */
async function* plain(shape: (typeof HOSTILE_SHAPES)[HostileShape], mib: number): AsyncGenerator<Buffer> {
  yield Buffer.from(shape.head);
  const block = Buffer.from(shape.unit.repeat(CHUNK));
  for (let left = mib * 1024 * 1024; left > 0; left -= CHUNK) yield left >= CHUNK ? block : block.subarray(0, left);
  yield Buffer.from(shape.tail);
}

async function gzipped(shape: (typeof HOSTILE_SHAPES)[HostileShape], mib: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of Readable.from(plain(shape, mib)).pipe(createGzip({ level: zlibConstants.Z_BEST_COMPRESSION }))) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function runShape(name: HostileShape, mib: number): Promise<HostileRun> {
  const shape = HOSTILE_SHAPES[name];
  const ctx = createContext({ source: 'bench', registry: loadRegistry() });
  const upload = shape.gzip ? await gzipped(shape, mib) : undefined;
  const body = upload ? Readable.from([upload]) : Readable.from(plain(shape, mib));
  const started = process.hrtime.bigint();
  const counts = await ingestFile(body, { ctx, sinks: { publish: () => undefined, reject: () => undefined } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    shape: name,
    mib,
    uploadedBytes: upload ? upload.length : mib * 1024 * 1024 + shape.head.length + shape.tail.length,
    records: counts.records,
    seconds: Math.round(seconds * 1000) / 1000,
    mibPerSecond: Math.round((mib / seconds) * 10) / 10,
  };
}

/**
 * Ingests each hostile shape through the s3-ingest code path (reader, validator, error-zone
 * lines; sinks that discard) at each size, timing each run.
 */
export async function benchHostile(opts: { sizesMib?: number[]; shapes?: HostileShape[]; log?: (line: string) => void } = {}): Promise<HostileBenchResult> {
  const sizes = [...(opts.sizesMib ?? [128, 512])].sort((a, b) => a - b);
  const shapes = opts.shapes ?? (Object.keys(HOSTILE_SHAPES) as HostileShape[]);
  const runs: HostileRun[] = [];
  for (const shape of shapes) {
    for (const mib of sizes) {
      opts.log?.(`${shape}: ${mib} MiB...`);
      runs.push(await runShape(shape, mib));
    }
  }
  const growth: HostileBenchResult['growth'] = {};
  for (const shape of shapes) {
    const mine = runs.filter((r) => r.shape === shape);
    const [small, large] = [mine[0], mine[mine.length - 1]];
    growth[shape] = { sizeRatio: large.mib / small.mib, timeRatio: Math.round((large.seconds / Math.max(small.seconds, 1e-6)) * 100) / 100 };
  }
  return { machine: machine(), runs, growth };
}

/** The report printed by `sluice bench hostile`. */
export function formatHostileBench(r: HostileBenchResult): string {
  const lines = [`machine: ${describeMachine(r.machine)}`, 'hostile inputs through the s3-ingest code path (reader + validator, sinks discard):'];
  for (const run of r.runs) {
    lines.push(
      `  ${run.shape.padEnd(12)} ${String(run.mib).padStart(5)} MiB (uploaded ${run.uploadedBytes.toLocaleString('en-US')} bytes): ${run.seconds.toFixed(2)} s, ${run.mibPerSecond} MiB/s, ${run.records} records`,
    );
  }
  for (const [shape, g] of Object.entries(r.growth)) lines.push(`  ${shape}: ${g.sizeRatio}x the bytes took ${g.timeRatio}x the time (linear: about ${g.sizeRatio}x)`);
  return lines.join('\n') + '\n';
}
