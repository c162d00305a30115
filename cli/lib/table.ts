/** Text renderings of a query result: an aligned table for the terminal and RFC 4180 CSV. */
import type { QueryResult } from '../../ops/athena';

const NULL = 'NULL';

/** Columns padded to their widest value, a rule under the header, NULL for missing values. */
export function formatTable(result: QueryResult): string {
  const cells = [result.columns, ...result.rows.map((r) => r.map((v) => (v === null ? NULL : v.replace(/\r?\n/g, ' '))))];
  const widths = result.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}

/** CSV with a header row; fields with commas, quotes or line breaks are quoted, NULL is an empty field. */
export function formatCsv(result: QueryResult): string {
  const field = (v: string | null) => (v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [result.columns, ...result.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
