import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEventName } from './envelope';
import { Reason, reason } from './reasons';

/** The schema folder shipped with the code (copied next to each function bundle). */
export const DEFAULT_SCHEMA_DIR = join(__dirname, 'schemas');

/** The schema files of a folder, sorted: `<event_name>.json` each. Throws with the fix when the folder cannot be read. */
export function schemaFiles(dir: string = DEFAULT_SCHEMA_DIR): { eventName: string; path: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new Error(`schema registry: cannot read the schema folder ${dir}: ${(err as Error).message}; restore it or point SLUICE_SCHEMA_DIR at one`);
  }
  return files.map((file) => ({ eventName: file.slice(0, -'.json'.length), path: join(dir, file) }));
}

/** Event types (first part of each event name) with a schema in the registry, sorted. */
export function registryEventTypes(dir: string = DEFAULT_SCHEMA_DIR): string[] {
  return [...new Set(schemaFiles(dir).map((f) => f.eventName.split(':')[0] as string))].sort();
}

function describe(name: string, e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the event' : e.instancePath;
  const extra = e.keyword === 'additionalProperties' ? ` (${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)})` : '';
  const allowed = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${at} ${e.message}${extra}${allowed} (schema ${name})`;
}

/**
 * Per-`event_name` payload schemas (JSON Schema draft-07), one file `<event_name>.json` each,
 * compiled once with ajv when the registry is built (a function's cold start).
 */
export class SchemaRegistry {
  private readonly validators: ReadonlyMap<string, ValidateFunction>;

  constructor(schemas: ReadonlyMap<string, object>) {
    const ajv = new Ajv({ allErrors: true, strict: true, ownProperties: true });
    addFormats(ajv);
    const validators = new Map<string, ValidateFunction>();
    for (const [name, schema] of schemas) {
      const nameProblems = checkEventName(name);
      if (nameProblems.length > 0 || name !== name.toLowerCase()) {
        throw new Error(
          `schema registry: "${name}" is not a lower-case event name, so no event could use its schema; rename the file (${nameProblems.map((r) => r.message).join('; ') || 'use lower case'})`,
        );
      }
      try {
        validators.set(name, ajv.compile(schema));
      } catch (err) {
        throw new Error(`schema registry: the schema for "${name}" does not compile: ${(err as Error).message}; fix the JSON Schema`);
      }
    }
    this.validators = validators;
  }

  /** Reads every `*.json` in `dir`; the file name without `.json` is the event name. */
  static fromDirectory(dir: string = DEFAULT_SCHEMA_DIR): SchemaRegistry {
    const schemas = new Map<string, object>();
    for (const { eventName, path } of schemaFiles(dir)) {
      try {
        schemas.set(eventName, JSON.parse(readFileSync(path, 'utf8')) as object);
      } catch (err) {
        throw new Error(`schema registry: ${path} is not valid JSON: ${(err as Error).message}`);
      }
    }
    return new SchemaRegistry(schemas);
  }

  get names(): string[] {
    return [...this.validators.keys()];
  }

  has(eventName: string): boolean {
    return this.validators.has(eventName);
  }

  /** Validates the whole event against its name's schema: `undefined` when there is no schema, else the reasons (empty when valid). */
  check(eventName: string, event: unknown): Reason[] | undefined {
    const validate = this.validators.get(eventName);
    if (!validate) return undefined;
    if (validate(event)) return [];
    return (validate.errors ?? []).map((e) => reason('schema_violation', describe(eventName, e)));
  }
}

const cache = new Map<string, SchemaRegistry>();

/** The registry of a folder, compiled on first use and reused for the life of the process. */
export function loadRegistry(dir: string = process.env.SLUICE_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR): SchemaRegistry {
  let registry = cache.get(dir);
  if (!registry) {
    registry = SchemaRegistry.fromDirectory(dir);
    cache.set(dir, registry);
  }
  return registry;
}
