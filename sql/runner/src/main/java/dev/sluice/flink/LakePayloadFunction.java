package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_payload(e): the payload column of the lake table events, from lake_event()'s value.
 * lake_event() names the payload by its spans in the record rather than copying it; this joins
 * them once, for the lake's row only. The text is the same either way: every member that is not
 * an envelope or enriched field, from its name to the end of its value, in input order, joined by
 * commas inside braces. NULL for an unreadable record.
 */
public final class LakePayloadFunction extends ScalarFunction {
    public @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData eval(@DataTypeHint("BYTES") byte[] event) {
        return event == null ? null : LakeEvent.payload(event);
    }
}
