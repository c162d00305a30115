/**
 * The live data files of the local lake's Iceberg tables, as Iceberg's own metadata lists them:
 * the runner's `dev.sluice.flink.LocalLake` loads each table from the local catalog and prints its
 * current snapshot and the data files in it (manifest list, then manifests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureRunnerJar, localJavaCommand } from './flink';

export interface LakeTableFiles {
  /** The current snapshot, or null when the table has none yet (or does not exist). */
  readonly snapshot_id: number | null;
  /** When that snapshot was committed (epoch milliseconds). */
  readonly committed_at_ms: number | null;
  /** Rows in the snapshot, from the data files' statistics. */
  readonly records: number;
  /** Absolute paths of the snapshot's data files (Parquet), sorted. */
  readonly files: readonly string[];
}

export type LakeFiles = Readonly<Record<string, LakeTableFiles>>;

const NONE: LakeTableFiles = { snapshot_id: null, committed_at_ms: null, records: 0, files: [] };

/** The live files of `events` and `aggregates` in the local lake `dir`; a lake without curated tables has none. */
export function listLakeFiles(dir: string): LakeFiles {
  if (!existsSync(join(dir, 'curated'))) return { events: NONE, aggregates: NONE };
  ensureRunnerJar();
  const [command, ...args] = localJavaCommand('dev.sluice.flink.LocalLake', ['--lake', resolve(dir)]);
  const run = spawnSync(command!, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.error) throw new Error(`cannot run java (${run.error.message}); install Java 17 and retry`);
  if (run.status !== 0) throw new Error(`listing the lake's Iceberg tables in ${dir} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as LakeFiles;
}

/**
 * Watches the local lake: `onChange` receives the tables' live files each time a snapshot
 * changes (first call: the state at start). Stop it with `kill()`.
 */
export function watchLakeFiles(dir: string, everyMillis: number, onChange: (files: LakeFiles, seenAtMs: number) => void): ChildProcess {
  ensureRunnerJar();
  const [command, ...args] = localJavaCommand('dev.sluice.flink.LocalLake', ['--lake', resolve(dir), '--watch', String(everyMillis)]);
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', (line) => onChange(JSON.parse(line) as LakeFiles, Date.now()));
  return child;
}
