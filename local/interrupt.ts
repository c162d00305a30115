/**
 * What a local run undoes when it is stopped (Ctrl-C, SIGTERM): the Flink child is killed and the
 * scratch directory removed, so a killed run leaves nothing behind, as a failed one does.
 */
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type Signal = keyof typeof SIGNALS;

const cleanups: (() => void)[] = [];

function onSignal(signal: Signal): void {
  // Newest first: the Flink child stops writing before its directory goes.
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // One failed cleanup must not keep the others from running.
    }
  }
  process.stderr.write(`sluice: stopped by ${signal}; removed what the run had written\n`);
  process.exit(128 + SIGNALS[signal]);
}

/** Runs `cleanup` if the process is stopped by SIGINT or SIGTERM before the returned function is called. */
export function undoOnInterrupt(cleanup: () => void): () => void {
  if (cleanups.length === 0) for (const signal of Object.keys(SIGNALS) as Signal[]) process.on(signal, onSignal);
  cleanups.push(cleanup);
  return () => {
    const at = cleanups.indexOf(cleanup);
    if (at >= 0) cleanups.splice(at, 1);
    if (cleanups.length === 0) for (const signal of Object.keys(SIGNALS) as Signal[]) process.off(signal, onSignal);
  };
}
