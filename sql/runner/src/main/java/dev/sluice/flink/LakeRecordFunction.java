package dev.sluice.flink;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_record(e): the record lake_event() read, byte for byte as it came, over the value's own
 * bytes (no copy).
 */
public final class LakeRecordFunction extends ScalarFunction {
    private transient LakeEvent.Reader reader;

    @Override
    public void open(FunctionContext context) {
        reader = new LakeEvent.Reader();
    }

    public @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData eval(@DataTypeHint("BYTES") byte[] event) {
        return event == null ? null : reader.record(event);
    }
}
