import { loadRegistry } from '../core/events/registry';
import { createContext, validateLine } from '../core/events/validate';
import { acceptedAt, generate, type GeneratorOptions } from './generator';

/**
 * The generated events of `opts` as the ingestion code accepts them at {@link acceptedAt}: each
 * one's enriched text. For inputs of the Flink jobs made without an ingestion run; the options
 * must make no invalid events, and one the validator rejects all the same is an error.
 */
export function* acceptedEvents(opts: GeneratorOptions, source: string): Generator<string> {
  const ctx = createContext({ source, registry: loadRegistry(), ingestedAt: acceptedAt(opts) });
  for (const line of generate(opts).lines) {
    const result = validateLine(line, ctx);
    if (!result.ok) throw new Error(`generated event rejected by the validator: ${result.reasons.map((r) => r.message).join('; ')}`);
    yield result.json;
  }
}
