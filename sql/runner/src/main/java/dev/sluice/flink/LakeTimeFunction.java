package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_time(e, 'field'): created_datetime or ingested_at of lake_event()'s value as a UTC
 * timestamp in milliseconds; NULL when the text is not {@code yyyy-MM-dd[T ]HH:mm:ss[.f]} in UTC.
 */
public final class LakeTimeFunction extends ScalarFunction {
    private static final StringData[] NAMES = LakeEvent.strings(LakeEvent.TIME_FIELDS);

    public @DataTypeHint(value = "TIMESTAMP(3)", bridgedTo = TimestampData.class) TimestampData eval(@DataTypeHint("BYTES") byte[] event,
            @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData field) {
        int index = LakeEvent.field(field, NAMES, "lake_time");
        return event == null ? null : LakeEvent.timestamp(LakeEvent.time(event, index));
    }
}
