/**
 * Is the raw archive complete? Counts per hour of what the archive holds against what the
 * platform accepted (the `events` stream's IncomingRecords, or the curated table), judged so that
 * at-least-once copies and Firehose's buffering across an hour boundary never read as loss.
 */

/** `YYYY-MM-DDTHH` of an hour's first instant. */
export const hourLabel = (hourMs: number): string => new Date(hourMs).toISOString().slice(0, 13);

export interface HourRow {
  hour: string;
  archive: number;
  reference: number;
  /** What the archive lacks up to this hour, counting the following hour's archive: above 0 means loss. */
  shortfall: number;
}

export interface ArchiveCheckResult {
  rows: HourRow[];
  complete: boolean;
  archiveTotal: number;
  referenceTotal: number;
}

/**
 * Each hour's archive count beside the reference's. Firehose files a record by its own arrival
 * time, at most one buffer interval (at most 15 minutes) after the stream received it, so a record
 * of hour h may be archived in hour h+1: the archive is complete up to hour h when the archive up
 * to h+1 holds at least as many records as the reference up to h. Copies (at least once) only add.
 *
 * @param archive counts per hour, including the hour after the range
 */
export function checkArchive(hours: readonly number[], archive: ReadonlyMap<number, number>, reference: ReadonlyMap<number, number>): ArchiveCheckResult {
  const HOUR = 3600_000;
  let archived = 0;
  let expected = 0;
  const rows = hours.map((hour) => {
    archived += archive.get(hour) ?? 0;
    expected += reference.get(hour) ?? 0;
    const withSpill = archived + (archive.get(hour + HOUR) ?? 0);
    return { hour: hourLabel(hour), archive: archive.get(hour) ?? 0, reference: reference.get(hour) ?? 0, shortfall: Math.max(0, expected - withSpill) };
  });
  return { rows, complete: rows.every((r) => r.shortfall === 0), archiveTotal: archived, referenceTotal: expected };
}

export function formatArchiveCheck(result: ArchiveCheckResult, referenceName: string): string {
  const lines = [`hour           archive  ${referenceName.padStart(9)}  shortfall`];
  for (const r of result.rows) lines.push(`${r.hour}  ${String(r.archive).padStart(8)}  ${String(r.reference).padStart(9)}  ${r.shortfall === 0 ? '' : String(r.shortfall).padStart(9)}`);
  const short = result.rows.find((r) => r.shortfall > 0);
  lines.push(
    result.complete
      ? `complete: the archive holds ${result.archiveTotal} record(s) for ${result.referenceTotal} in ${referenceName}`
      : `INCOMPLETE from ${short?.hour}: the archive lacks ${short?.shortfall} record(s) that ${referenceName} counted by then; check the archive delivery stream's DeliveryToS3 metrics and its error prefix`,
  );
  return `${lines.join('\n')}\n`;
}
