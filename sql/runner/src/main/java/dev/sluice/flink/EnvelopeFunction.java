package dev.sluice.flink;

import java.io.IOException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;

/**
 * envelope(record_text): the envelope fields of an event, read in one streaming pass over the
 * top level of the JSON object (nested payload is skipped, not parsed). Each field is what
 * JSON_VALUE(record_text, '$.field') returns: a string's value, a number in its decimal form
 * (1.0e400 as 1.0E+400), true or false, and NULL for null, objects, arrays, a missing field or
 * text that is not a JSON object. As with JSON_VALUE, a repeated field's last value counts and
 * text after the object is ignored.
 *
 * <p>The parser keeps Jackson's default {@code StreamReadConstraints} (flink-shaded-jackson
 * 2.18.2: nesting depth 1000, numbers of 1000 characters, names of 50000), the same limits the
 * validator enforces at the door. A record beyond them, or not a JSON object, reads all NULL and
 * is counted in the {@code unreadableRecords} metric; the dedup job never treats it as a copy.
 */
public final class EnvelopeFunction extends ScalarFunction {
    static final String[] FIELDS = {"event_uuid", "event_name", "created_at", "event_type", "event_subtype", "ingested_at"};

    private static final JsonFactory JSON = new JsonFactory();

    /** Metric name of the records whose envelope could not be read. */
    public static final String UNREADABLE_METRIC = "unreadableRecords";

    private transient Counter unreadable;

    @Override
    public void open(FunctionContext context) {
        unreadable = context.getMetricGroup().counter(UNREADABLE_METRIC);
    }

    long unreadableCount() {
        return unreadable == null ? 0 : unreadable.getCount();
    }

    @DataTypeHint("ROW<event_uuid STRING, event_name STRING, created_at STRING, event_type STRING, event_subtype STRING, ingested_at STRING>")
    public Row eval(String recordText) {
        String[] values = new String[FIELDS.length];
        boolean readable = false;
        if (recordText != null) {
            try (JsonParser parser = JSON.createParser(recordText)) {
                if (parser.nextToken() == JsonToken.START_OBJECT) {
                    read(parser, values);
                    readable = true;
                }
            } catch (IOException e) {
                java.util.Arrays.fill(values, null);
            }
        }
        if (!readable && unreadable != null) {
            unreadable.inc();
        }
        return Row.of((Object[]) values);
    }

    private static void read(JsonParser parser, String[] values) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            int index = indexOf(parser.currentName());
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                parser.skipChildren();
                if (index >= 0) {
                    values[index] = null;
                }
            } else if (index >= 0) {
                values[index] = scalar(parser, value);
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException("not a JSON object");
        }
    }

    private static String scalar(JsonParser parser, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> parser.getBigIntegerValue().toString();
            case VALUE_NUMBER_FLOAT -> parser.getDecimalValue().toString();
            default -> parser.getText();
        };
    }

    private static int indexOf(String name) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Called once per record for all fields; the planner must not copy the call per field. */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}
