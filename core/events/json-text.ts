/**
 * One linear, non-recursive pass over the text of a JSON value that `JSON.parse` has accepted:
 * the checks that make every downstream reader read the event as the validator does, and the
 * byte spans of an object's members, so enrichment can splice fields into the original text
 * instead of serialising it again.
 *
 * The limits are those of the strictest reader on the event's path (each found in its source, see
 * README "Event contract: reader limits"):
 * - Flink 2.2 reads records with its shaded Jackson 2.18.2 (flink-shaded-jackson 2.18.2-20.0,
 *   `StreamReadConstraints` defaults, read from the jar): nesting depth at most 1000
 *   (`DEFAULT_MAX_DEPTH`, the outermost object counts as 1), a number at most 1000 characters
 *   (`DEFAULT_MAX_NUM_LEN`), a property name at most 50000 characters (`DEFAULT_MAX_NAME_LEN`).
 *   Beyond them `JSON_VALUE` and `envelope()` read NULL.
 * - Athena reads the JSON zones with the OpenX JSON SerDe, which lower-cases keys by default
 *   (`case.insensitive` = TRUE) and fails the row with `Duplicate key` when two keys of an object
 *   are equal after that (Athena user guide, "OpenX JSON SerDe").
 * - DuckDB's `read_json` refuses an object with a duplicate key ("has duplicate key") and, when it
 *   detects the schema, two keys that differ only in case ("Duplicate name ... in struct").
 * - Lone UTF-16 surrogates written as `\ud800` escapes are not text: DuckDB's JSON reader (yyjson)
 *   and strict UTF-8 writers refuse them.
 */
import { Reason, reason, show } from './reasons';

export const MAX_NESTING_DEPTH = 1000;
export const MAX_NUMBER_LENGTH = 1000;
export const MAX_NAME_LENGTH = 50000;

/** One member of an object: `text.slice(start, end)` is `"key": value` exactly as written. */
export interface Member {
  readonly key: string;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

export type ScanResult = { readonly ok: true; readonly members: Member[] } | { readonly ok: false; readonly reasons: Reason[] };

interface Frame {
  object: boolean;
  expectKey: boolean;
  /**
   * The object's first `keys` keys, lower-cased, and as written at the same index. The arrays are
   * kept when the frame is reused, so entries from `keys` on are stale.
   */
  keys: number;
  readonly lowered: string[];
  readonly written: string[];
  /** Lower-cased key -> key as written, built once the object has more than {@link LINEAR_KEYS} keys. */
  index: Map<string, string> | undefined;
}

/**
 * Up to this many keys, an object's keys are compared one by one: cheaper than building a Map for
 * every object (most have a handful of keys), and still short. Beyond it a Map keeps the check linear.
 */
const LINEAR_KEYS = 16;

const isDigitOrSign = (c: number) => (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Scans the JSON value that starts at `from` in `text` (valid JSON: `JSON.parse` accepted it) and
 * returns the members of the outermost object, or every limit and ambiguity found. `where` names
 * the value in the messages.
 */
export function scanJson(text: string, from = 0, where = 'the event'): ScanResult {
  const reasons: Reason[] = [];
  // Frames are reused by depth: an event's sibling objects share one frame instead of each
  // allocating its own.
  const frames: Frame[] = [];
  let depth = 0;
  const members: Member[] = [];
  let memberKey = '';
  let memberStart = -1;
  let valueStart = -1;
  let lastEnd = -1;
  const n = text.length;
  // The first backslash at or after the scan position (n when there is none). Backslashes sit only
  // inside strings, so a string that ends before it has no escapes and its end is one indexOf away.
  let nextEscape = escapeFrom(text, from);
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const top = depth > 0 ? frames[depth - 1] : undefined;
    if (c === 34) {
      let j = text.indexOf('"', i + 1);
      const escaped = nextEscape < j;
      if (escaped) {
        j = i + 1;
        for (;;) {
          const d = text.charCodeAt(j);
          if (d === 34) break;
          j += d === 92 ? 2 : 1;
        }
        nextEscape = escapeFrom(text, j + 1);
        const quoted = text.slice(i, j + 1);
        if (quoted.includes('\\u') && LONE_SURROGATE.test(JSON.parse(quoted) as string)) {
          reasons.push(
            reason('unreadable_text', `${at(where, depth)} has a string with an unpaired UTF-16 surrogate escape (such as "\\ud800"), which is not text; send the character itself or remove it`),
          );
        }
      }
      if (top?.object && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (key.length > MAX_NAME_LENGTH) {
          reasons.push(reason('beyond_reader_limits', `${at(where, depth)} has a key of ${key.length} characters; Flink's JSON parser reads keys of at most ${MAX_NAME_LENGTH}; shorten it`));
        }
        checkKey(top, key, where, depth, reasons);
        if (depth === 1) {
          memberKey = key;
          memberStart = i;
        }
        top.expectKey = false;
      } else if (depth === 1) lastEnd = j + 1;
      i = j + 1;
      continue;
    }
    if (c === 123 || c === 91) {
      if (depth === MAX_NESTING_DEPTH) {
        reasons.push(reason('beyond_reader_limits', `${where} is nested deeper than ${MAX_NESTING_DEPTH} levels, the most Flink's JSON parser reads; flatten it`));
        return { ok: false, reasons };
      }
      const frame = frames[depth];
      if (frame === undefined) {
        frames.push({ object: c === 123, expectKey: c === 123, keys: 0, lowered: [], written: [], index: undefined });
      } else {
        frame.object = c === 123;
        frame.expectKey = c === 123;
        frame.keys = 0;
        frame.index = undefined;
      }
      depth++;
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      if (depth === 1 && memberStart >= 0) members.push({ key: memberKey, start: memberStart, valueStart, end: lastEnd });
      depth--;
      i++;
      if (depth === 1) lastEnd = i;
      if (depth === 0) break;
      continue;
    }
    if (c === 58) {
      i++;
      if (depth === 1) {
        while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13) i++;
        valueStart = i;
      }
      continue;
    }
    if (c === 44) {
      if (top!.object) {
        top!.expectKey = true;
        if (depth === 1) members.push({ key: memberKey, start: memberStart, valueStart, end: lastEnd });
      }
      i++;
      continue;
    }
    let j = i + 1;
    if (isDigitOrSign(c)) {
      while (j < n && isDigitOrSign(text.charCodeAt(j))) j++;
      if (j - i > MAX_NUMBER_LENGTH) {
        reasons.push(
          reason(
            'beyond_reader_limits',
            `${at(where, depth)} has a number of ${j - i} characters (${show(text.slice(i, i + 20))}...); Flink's JSON parser reads numbers of at most ${MAX_NUMBER_LENGTH}; send it as a string`,
          ),
        );
      }
    } else {
      j = i + (c === 102 ? 5 : 4); // false | true, null
    }
    if (depth === 1) lastEnd = j;
    if (depth === 0) break;
    i = j;
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, members };
}

const escapeFrom = (text: string, from: number): number => {
  const k = text.indexOf('\\', from);
  return k < 0 ? text.length : k;
};

/** Where a problem is, for the messages: the value itself, or the depth inside it. */
const at = (where: string, depth: number): string => (depth <= 1 ? where : `${where} at depth ${depth}`);

/**
 * `key.toLowerCase()`, without the call when it cannot change the key: ASCII without A-Z. Other
 * characters take the full Unicode mapping (the Kelvin sign lower-cases to an ASCII `k`).
 */
export function lowerCase(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return key.toLowerCase();
  }
  return key;
}

function checkKey(frame: Frame, key: string, where: string, depth: number, reasons: Reason[]): void {
  const lower = lowerCase(key);
  const { lowered, written } = frame;
  let seen: string | undefined;
  if (frame.index !== undefined) {
    seen = frame.index.get(lower);
  } else {
    for (let k = 0; k < frame.keys; k++) {
      if (lowered[k] === lower) {
        seen = written[k];
        break;
      }
    }
  }
  if (seen === undefined) {
    if (frame.index !== undefined) {
      frame.index.set(lower, key);
      return;
    }
    lowered[frame.keys] = lower;
    written[frame.keys] = key;
    frame.keys++;
    if (frame.keys > LINEAR_KEYS) frame.index = new Map(lowered.slice(0, frame.keys).map((l, k) => [l, written[k]]));
  } else if (seen === key) {
    reasons.push(reason('duplicate_key', `${at(where, depth)} has the key ${show(key)} twice; readers disagree on which value counts (DuckDB refuses the row), send it once`));
  } else {
    reasons.push(
      reason(
        'case_collision',
        `${at(where, depth)} has the keys ${show(seen)} and ${show(key)}, which differ only in case; Athena and DuckDB read keys case-insensitively and refuse the row, rename one`,
      ),
    );
  }
}
