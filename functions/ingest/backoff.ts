/** Retry timing: exponential backoff with full jitter (a uniformly random wait up to the exponential cap). */
export interface BackoffOptions {
  /** First cap, in milliseconds. Default 100. */
  baseMs?: number;
  /** Largest cap, in milliseconds. Default 5000. */
  maxMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/** The wait before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const cap = Math.min(opts.maxMs ?? 5000, (opts.baseMs ?? 100) * 2 ** (attempt - 1));
  return Math.floor((opts.random ?? Math.random)() * cap);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
