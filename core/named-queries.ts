/**
 * The analysts' named queries: one SQL file each in `sql/athena/`, written to run unchanged on
 * Athena (Trino, engine v3) and on DuckDB over a local lake. Table names are unqualified
 * (`events`, `aggregates`, `raw_events`, `errors`): Athena resolves them in the stack's Glue
 * database (the query's execution context), DuckDB in the views of `openLocalLake`.
 *
 * A file opens with a header of `-- key: value` lines:
 *
 *   -- name: latest-events                 (the file's base name; the Athena named query's name)
 *   -- description: The latest events ...  (repeatable; joined with spaces)
 *   -- param: event_type event_type  The event type to list
 *   -- param: limit integer = 100  How many events
 *
 * and refers to parameters as `:name`. Each value is validated against its type and rendered as
 * a SQL literal (never spliced as text), so `--param` cannot change a query's structure:
 *   date       `2026-03-17`            -> '2026-03-17' (a string: partition columns are strings)
 *   timestamp  `2026-03-17T10:00:00Z`  -> TIMESTAMP '2026-03-17 10:00:00.000' (UTC)
 *   integer    `100`                   -> 100 (0 to 1,000,000,000)
 *   event_type `payment`               -> 'payment' ([a-z0-9_]+, as in DESIGN.md)
 *   string     any text without control characters -> quoted, quotes doubled
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from './user-error';

/** A query file, a parameter value or a `--param` argument is not as it should be; the message says how. */
export class NamedQueryError extends UserError {}

export type ParamType = 'date' | 'timestamp' | 'integer' | 'event_type' | 'string';
const PARAM_TYPES: readonly ParamType[] = ['date', 'timestamp', 'integer', 'event_type', 'string'];

export interface QueryParam {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
  /** Used when the caller gives no value; absent means the parameter is required. */
  readonly default?: string;
}

export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly params: readonly QueryParam[];
  /** The SQL with `:name` placeholders, header included. */
  readonly sql: string;
  readonly file: string;
}

export const ATHENA_SQL_DIR = join(__dirname, '..', 'sql', 'athena');

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const PARAM_NAME = /^[a-z_][a-z0-9_]*$/;
const HEADER = /^--\s*(name|description|param):\s*(.*)$/;
const PARAM_DECL = /^([a-z_][a-z0-9_]*)\s+([a-z_]+)(?:\s*=\s*(\S+))?(?:\s+(.*))?$/;

/** Every named query in `dir`, sorted by name. */
export function loadNamedQueries(dir: string = ATHENA_SQL_DIR): NamedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseNamedQuery(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** The named query called `name` in `dir`; the error lists the ones there are. */
export function findNamedQuery(name: string, dir: string = ATHENA_SQL_DIR): NamedQuery {
  const all = loadNamedQueries(dir);
  const found = all.find((q) => q.name === name);
  if (!found) throw new NamedQueryError(`no named query "${name}" in ${dir}; available: ${all.map((q) => q.name).join(', ')}`);
  return found;
}

/** Parses one query file and checks its header against its placeholders. */
export function parseNamedQuery(sql: string, file: string): NamedQuery {
  const where = (line: number) => `${file}:${line}`;
  let name: string | undefined;
  const description: string[] = [];
  const params: QueryParam[] = [];
  const lines = sql.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    const m = HEADER.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'name') name = value.trim();
    else if (key === 'description') description.push(value.trim());
    else {
      const p = PARAM_DECL.exec(value.trim());
      if (!p) throw new NamedQueryError(`${where(i + 1)}: parameter declaration "${value}" must read "<name> <type> [= <default>] <description>"`);
      const [, pname, ptype, pdefault, pdesc] = p as unknown as [string, string, string, string | undefined, string | undefined];
      if (!PARAM_TYPES.includes(ptype as ParamType)) {
        throw new NamedQueryError(`${where(i + 1)}: parameter ${pname} has unknown type "${ptype}"; use one of ${PARAM_TYPES.join(', ')}`);
      }
      if (params.some((q) => q.name === pname)) throw new NamedQueryError(`${where(i + 1)}: parameter ${pname} is declared twice`);
      const param: QueryParam = { name: pname, type: ptype as ParamType, description: (pdesc ?? '').trim(), ...(pdefault !== undefined ? { default: pdefault } : {}) };
      if (pdefault !== undefined) renderLiteral(param, pdefault);
      params.push(param);
    }
  }
  const expectedName = basename(file, '.sql');
  if (name === undefined) throw new NamedQueryError(`${file}: missing "-- name: ${expectedName}" header line`);
  if (!NAME.test(name) || name !== expectedName) throw new NamedQueryError(`${file}: name "${name}" must be lower-case words joined by "-" and equal the file name "${expectedName}"`);
  if (description.length === 0) throw new NamedQueryError(`${file}: missing "-- description: ..." header line`);
  const used = placeholders(sql).map((p) => p.name);
  const undeclared = [...new Set(used)].filter((u) => !params.some((p) => p.name === u));
  if (undeclared.length > 0) throw new NamedQueryError(`${file}: placeholder(s) ${undeclared.map((u) => `:${u}`).join(', ')} have no "-- param:" declaration`);
  const unused = params.filter((p) => !used.includes(p.name));
  if (unused.length > 0) throw new NamedQueryError(`${file}: parameter(s) ${unused.map((p) => p.name).join(', ')} are declared but never used`);
  return { name, description: description.join(' '), params, sql, file };
}

/**
 * Parses `--param k=v` arguments into a map; a key given twice, or not in `k=v` form, is an error.
 */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new NamedQueryError(`--param ${JSON.stringify(arg)} must read <name>=<value>, e.g. --param event_type=payment`);
    const key = arg.slice(0, eq);
    if (key in out) throw new NamedQueryError(`--param ${key} is given twice`);
    out[key] = arg.slice(eq + 1);
  }
  return out;
}

/** The query's SQL with every placeholder replaced by its value's validated literal. */
export function renderQuery(query: NamedQuery, values: Readonly<Record<string, string>>): string {
  const unknown = Object.keys(values).filter((k) => !query.params.some((p) => p.name === k));
  if (unknown.length > 0) {
    throw new NamedQueryError(`query ${query.name} has no parameter(s) ${unknown.join(', ')}; its parameters: ${describeParams(query)}`);
  }
  const literals = new Map<string, string>();
  for (const param of query.params) {
    const value = values[param.name] ?? param.default;
    if (value === undefined) throw new NamedQueryError(`query ${query.name} needs --param ${param.name}=<${param.type}> (${param.description})`);
    literals.set(param.name, renderLiteral(param, value));
  }
  let out = '';
  let at = 0;
  for (const p of placeholders(query.sql)) {
    out += query.sql.slice(at, p.start) + (literals.get(p.name) as string);
    at = p.end;
  }
  return out + query.sql.slice(at);
}

export function describeParams(query: NamedQuery): string {
  if (query.params.length === 0) return 'none';
  return query.params.map((p) => `${p.name} (${p.type}${p.default !== undefined ? `, default ${p.default}` : ''})`).join(', ');
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|\+00:00)?$/;
const EVENT_TYPE = /^[a-z0-9_]{1,128}$/;
const INTEGER = /^\d{1,10}$/;
const MAX_INTEGER = 1_000_000_000;

/** The SQL literal of one parameter value; the error names the parameter, the value and the form expected. */
export function renderLiteral(param: QueryParam, value: string): string {
  const bad = (expected: string) => new NamedQueryError(`parameter ${param.name}: ${JSON.stringify(value)} is not ${expected}`);
  switch (param.type) {
    case 'date': {
      const m = DATE.exec(value);
      if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw bad('a date (YYYY-MM-DD)');
      return `'${value}'`;
    }
    case 'timestamp': {
      const m = TIMESTAMP.exec(value);
      const [y, mo, d, h, mi, s] = m ? [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number) : [];
      if (!m || !realDate(y!, mo!, d!) || h! > 23 || mi! > 59 || s! > 59) throw bad('a UTC timestamp (YYYY-MM-DDTHH:MM[:SS[.mmm]][Z])');
      const millis = (m[7] ?? '.000').padEnd(4, '0');
      return `TIMESTAMP '${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}${millis}'`;
    }
    case 'integer':
      if (!INTEGER.test(value) || Number(value) > MAX_INTEGER) throw bad(`a whole number from 0 to ${MAX_INTEGER}`);
      return String(Number(value));
    case 'event_type':
      if (!EVENT_TYPE.test(value)) throw bad('an event type (lower-case letters, digits and _)');
      return `'${value}'`;
    case 'string':
      if (/\p{Cc}/u.test(value)) throw bad('text without control characters');
      return `'${value.replace(/'/g, "''")}'`;
  }
}

function realDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `:name` placeholders outside string literals, quoted identifiers and comments, in order. */
export function placeholders(sql: string): { name: string; start: number; end: number }[] {
  const found: { name: string; start: number; end: number }[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new NamedQueryError('unterminated /* comment in query');
      i = close + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new NamedQueryError(`unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} in query`);
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j += 1;
      }
      i = j + 1;
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':') {
      const m = /^[a-z_][a-z0-9_]*/.exec(sql.slice(i + 1));
      if (m && PARAM_NAME.test(m[0])) {
        found.push({ name: m[0], start: i, end: i + 1 + m[0].length });
        i += 1 + m[0].length;
      } else i += 1;
    } else i += 1;
  }
  return found;
}
