package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * record_bytes(record_text): the record's bytes exactly as they were read, for dedup-filter to
 * carry the record through its calculations as BYTES. Flink's generated calculations copy every
 * STRING column they read before using it (in dedup-filter, five copies of each 1.1 KB record); a
 * BYTES column is passed on as it is. Unlike a CAST, neither this nor record_string() decodes or
 * encodes anything, so bytes that are not UTF-8 come out as they went in.
 */
public final class RecordBytesFunction extends ScalarFunction {
    public byte[] eval(@DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData recordText) {
        return recordText == null ? null : recordText.toBytes();
    }
}
