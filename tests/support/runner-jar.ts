/**
 * Loaded by mocha before any test file (.mocharc.json): builds the Flink SQL runner jar once,
 * before the first test, when it is missing or older than its sources, so that no test pays a
 * Maven build inside its own timeout.
 */
import { ensureRunnerJar } from '../../local/flink';

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(20 * 60_000);
    ensureRunnerJar();
  },
};
