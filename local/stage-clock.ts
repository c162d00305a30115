/** The stages of a local run and the clock that times them and reports their progress. */

export const STAGES = ['generate', 'ingest', 'dedup_filter', 'aggregate', 'lake', 'queries'] as const;
export type StageName = (typeof STAGES)[number];

export interface Progress {
  stage: StageName;
  /** Events handled so far in this stage. */
  events: number;
  seconds: number;
  done: boolean;
}

export interface StageFigures {
  seconds: number;
  events: number;
  events_per_second: number;
}

export class StageClock {
  readonly stages: Partial<Record<StageName, StageFigures>> = {};
  constructor(private readonly progress?: (update: Progress) => void) {}

  async run<T>(stage: StageName, work: (tick: (events: number) => void) => Promise<{ result: T; events: number }>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let lastTick = 0;
    let lastEvents = 0;
    const tick = (events: number) => {
      if (events >= 0) lastEvents = events;
      const now = seconds();
      if (now - lastTick >= 1) {
        lastTick = now;
        this.progress?.({ stage, events: lastEvents, seconds: now, done: false });
      }
    };
    this.progress?.({ stage, events: 0, seconds: 0, done: false });
    // Stages that report no counts while they run (the Flink jobs) still show that they are alive.
    const heartbeat = setInterval(() => tick(-1), 5000);
    let outcome: { result: T; events: number };
    try {
      outcome = await work(tick);
    } finally {
      clearInterval(heartbeat);
    }
    const { result, events } = outcome;
    const elapsed = seconds();
    this.stages[stage] = { seconds: round(elapsed, 3), events, events_per_second: Math.round(events / Math.max(elapsed, 1e-9)) };
    this.progress?.({ stage, events, seconds: elapsed, done: true });
    return result;
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
