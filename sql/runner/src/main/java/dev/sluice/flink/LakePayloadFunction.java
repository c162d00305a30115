package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_payload(record_text, e.payload, e.payload_spans): the payload column of the lake table
 * events, from a row of lake_event() and the record it read. lake_event() names the payload by
 * its spans in the record rather than copying it, so the payload's bytes are not carried through
 * the dedup's exchange next to the record that holds them; this joins them once, for the lake's
 * row only. The text is the same either way: every member that is not an envelope or enriched
 * field, from its name to the end of its value, in input order, joined by commas inside braces.
 */
public final class LakePayloadFunction extends ScalarFunction {
    public @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData eval(
            @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData recordText,
            @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData payload,
            byte[] payloadSpans) {
        return LakeEventFunction.payload(recordText, payload, payloadSpans);
    }
}
