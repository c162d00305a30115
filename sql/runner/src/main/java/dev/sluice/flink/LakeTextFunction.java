package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_text(e, 'field'): a text field of lake_event()'s value, as JSON_VALUE(record_text,
 * '$.field') reads it: event_uuid, event_name, created_at, event_type, event_subtype,
 * ingested_at, created_datetime or source. The string lies over the value's own bytes (no copy).
 */
public final class LakeTextFunction extends ScalarFunction {
    private static final StringData[] NAMES = LakeEvent.strings(LakeEvent.TEXT_FIELDS);

    private transient LakeEvent.Reader reader;

    @Override
    public void open(FunctionContext context) {
        reader = new LakeEvent.Reader();
    }

    public @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData eval(@DataTypeHint("BYTES") byte[] event,
            @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData field) {
        int index = LakeEvent.field(field, NAMES, "lake_text");
        return event == null ? null : reader.text(event, index);
    }
}
