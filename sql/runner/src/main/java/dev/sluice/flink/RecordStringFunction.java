package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * record_string(record): the record's bytes (record_bytes()) as the STRING the sinks write, over
 * the same bytes: no copy and no decoding, where CAST(... AS STRING) would replace bytes that are
 * not UTF-8.
 */
public final class RecordStringFunction extends ScalarFunction {
    public @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData eval(byte[] record) {
        return record == null ? null : StringData.fromBytes(record);
    }
}
