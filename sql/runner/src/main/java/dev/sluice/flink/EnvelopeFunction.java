package dev.sluice.flink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * envelope(record_text): the envelope fields of an event, read in one streaming pass over the
 * top level of the JSON object (nested payload is skipped, not parsed). Each field is what
 * JSON_VALUE(record_text, '$.field') returns: a string's value, a number in its decimal form
 * (1.0e400 as 1.0E+400), true or false, and NULL for null, objects, arrays, a missing field or
 * text that is not a JSON object. As with JSON_VALUE, a repeated field's last value counts and
 * text after the object is ignored.
 *
 * <p>Most records are read by {@link JsonObjectScan}, as lake_event() reads them; the rest (anything
 * the scan declines) by Jackson, which decides what unusual or malformed text means.
 *
 * <p>The parser keeps Jackson's default {@code StreamReadConstraints} (flink-shaded-jackson
 * 2.18.2: nesting depth 1000, numbers of 1000 characters, names of 50000), the same limits the
 * validator enforces at the door. A record beyond them, or not a JSON object, reads all NULL and
 * is counted in the {@code unreadableRecords} metric on each call; the dedup job never treats it
 * as a copy.
 */
public final class EnvelopeFunction extends ScalarFunction {
    static final String[] FIELDS = {"event_uuid", "event_name", "created_at", "event_type", "event_subtype", "ingested_at"};

    private static final JsonFactory JSON = new JsonFactory();

    /** Metric name of the records whose envelope could not be read. */
    public static final String UNREADABLE_METRIC = "unreadableRecords";

    private transient Counter unreadable;

    /**
     * The previous call's input and answer. The aggregate job calls envelope() twice on each record
     * (its event time in the source table's computed column, its keys after the watermark), one
     * call right after the other: the second is answered from here instead of parsing again.
     */
    private transient byte[] lastText;
    private transient RowData lastEnvelope;
    private static final JsonObjectScan.Names FIELD_NAMES = JsonObjectScan.names(FIELDS);
    private transient JsonObjectScan scan;
    /** Where each of FIELDS lies in the record the scan read; -1 for NULL. */
    private transient int[] valueFrom;
    private transient int[] valueTo;

    @Override
    public void open(FunctionContext context) {
        unreadable = context.getMetricGroup().counter(UNREADABLE_METRIC);
    }

    long unreadableCount() {
        return unreadable == null ? 0 : unreadable.getCount();
    }

    /**
     * Reads the record's UTF-8 bytes as they are, without decoding them to a Java string. Bytes that
     * are not UTF-8 are read as their lenient decoding, which replaces each bad sequence with U+FFFD,
     * as a STRING argument would be.
     */
    @DataTypeHint(value = "ROW<event_uuid STRING, event_name STRING, created_at STRING, event_type STRING, event_subtype STRING, ingested_at STRING>",
            bridgedTo = RowData.class)
    public RowData eval(@DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData recordText) {
        RowData envelope;
        if (recordText == null) {
            envelope = null;
        } else {
            byte[] bytes = recordText.toBytes();
            if (Arrays.equals(bytes, lastText)) {
                envelope = lastEnvelope;
            } else {
                envelope = scanned(bytes);
                if (envelope == null) {
                    envelope = parsed(recordText, bytes);
                }
                lastText = bytes;
                lastEnvelope = envelope;
            }
        }
        if (envelope == null) {
            if (unreadable != null) {
                unreadable.inc();
            }
            return new GenericRowData(FIELDS.length);
        }
        return envelope;
    }

    /**
     * The envelope as {@link JsonObjectScan} reads it, its fields slices of {@code bytes} (this
     * call's own copy of the record, so the answer can be kept for the next call); null when the
     * scan declines the record, which is then read with Jackson.
     */
    RowData scanned(byte[] bytes) {
        if (scan == null) {
            scan = new JsonObjectScan();
            valueFrom = new int[FIELDS.length];
            valueTo = new int[FIELDS.length];
        }
        if (!scan.scan(bytes, 0, bytes.length) || !scan.fields(bytes, FIELD_NAMES, valueFrom, valueTo)) {
            return null;
        }
        GenericRowData values = new GenericRowData(FIELDS.length);
        for (int i = 0; i < FIELDS.length; i++) {
            if (valueFrom[i] >= 0) {
                values.setField(i, StringData.fromBytes(bytes, valueFrom[i], valueTo[i] - valueFrom[i]));
            }
        }
        return values;
    }

    /** The envelope as Jackson reads the record (its UTF-8 {@code bytes}): what every record the scan declines gets. */
    RowData parsed(StringData recordText, byte[] bytes) {
        return readLeniently(recordText, bytes, EnvelopeFunction::readObject);
    }

    /**
     * {@code read} of the text's UTF-8 {@code bytes}; when that reads nothing (null) and the bytes are
     * not UTF-8, {@code read} of their lenient decoding, which replaces each bad sequence with U+FFFD,
     * as a STRING argument would be.
     */
    static <T> T readLeniently(StringData text, byte[] bytes, java.util.function.Function<byte[], T> read) {
        T result = read.apply(bytes);
        if (result == null) {
            byte[] decoded = text.toString().getBytes(StandardCharsets.UTF_8);
            if (!Arrays.equals(decoded, bytes)) {
                result = read.apply(decoded);
            }
        }
        return result;
    }

    /** The envelope of a JSON object; null for anything else. */
    private static RowData readObject(byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                return read(parser);
            }
        } catch (IOException | NumberFormatException e) {
            // Beyond the parser's limits, not JSON, or not UTF-8: unreadable, as JSON_VALUE would read it.
            // A number whose decimal form Jackson cannot make (an exponent of more digits than an int
            // holds) throws NumberFormatException, not IOException.
        }
        return null;
    }

    private static RowData read(JsonParser parser) throws IOException {
        GenericRowData values = new GenericRowData(FIELDS.length);
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            int index = indexOf(parser.currentName());
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                parser.skipChildren();
                if (index >= 0) {
                    values.setField(index, null);
                }
            } else if (index >= 0) {
                values.setField(index, scalar(parser, value));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException("not a JSON object");
        }
        return values;
    }

    private static StringData scalar(JsonParser parser, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> StringData.fromString(parser.getBigIntegerValue().toString());
            case VALUE_NUMBER_FLOAT -> StringData.fromString(parser.getDecimalValue().toString());
            default -> StringData.fromString(parser.getText());
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
