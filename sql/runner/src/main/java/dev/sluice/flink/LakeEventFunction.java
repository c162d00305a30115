package dev.sluice.flink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Arrays;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonToken;
import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * lake_event(record_text): everything the dedup-filter job needs from an enriched event, read in
 * one pass over the top level of the JSON object, as a {@link LakeEvent}: the record's bytes and
 * where each field lies in them. The envelope fields are what envelope() returns (JSON_VALUE's
 * reading); {@code created_datetime} and {@code ingested_at} are parsed as UTC timestamps (NULL
 * when not ISO 8601 UTC). The payload is every member that is not an envelope or enriched field,
 * each taken as the original text from its name to the end of its value, in input order, joined
 * by commas inside braces: it is never re-serialised. lake_text(), lake_time(), lake_payload() and
 * lake_record() read the value. A record beyond the parser's limits, or not a JSON object, reads
 * all NULL (its bytes still there for lake_record()) and is counted in the
 * {@value EnvelopeFunction#UNREADABLE_METRIC} metric, as envelope() counts it.
 */
public final class LakeEventFunction extends ScalarFunction {
    private static final String[] TEXT_FIELDS = LakeEvent.TEXT_FIELDS;
    private static final byte[][] TEXT_FIELD_BYTES = JsonObjectScan.names(TEXT_FIELDS);
    private static final int INGESTED_AT = LakeEvent.INGESTED_AT;
    private static final int CREATED_DATETIME = LakeEvent.CREATED_DATETIME;

    private static final JsonFactory JSON = new JsonFactory();

    private transient Counter unreadable;
    private transient JsonObjectScan scan;
    /** Where each of TEXT_FIELDS lies in the record the scan read; -1 for NULL. */
    private transient int[] valueFrom;
    private transient int[] valueTo;
    /** The payload's spans in the record the scan read: runs of adjacent payload members. */
    private transient int[] segmentFrom;
    private transient int[] segmentTo;

    @Override
    public void open(FunctionContext context) {
        unreadable = context.getMetricGroup().counter(EnvelopeFunction.UNREADABLE_METRIC);
    }

    /**
     * Reads the record's UTF-8 bytes as they are (no decoding to a Java string and back). Most
     * records are read by {@link JsonObjectScan}; one it declines is read with Jackson, which
     * decides what any unusual or malformed text means. Bytes that are not UTF-8 are read as their
     * lenient decoding, which replaces each bad sequence with U+FFFD, as a STRING argument would be;
     * lake_record() still gives the bytes as they came.
     */
    public @DataTypeHint("BYTES") byte[] eval(@DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData recordText) {
        if (recordText == null) {
            return null;
        }
        byte[] scanned = scanned(recordText);
        return scanned != null ? scanned : parsed(recordText);
    }

    /** The event as Jackson reads the record. */
    byte[] parsed(StringData recordText) {
        String[] values = new String[TEXT_FIELDS.length];
        byte[] record = recordText.toBytes();
        StringData payload = EnvelopeFunction.readLeniently(recordText, record, bytes -> readObject(bytes, values));
        if (payload == null && unreadable != null) {
            unreadable.inc();
        }
        byte[][] texts = new byte[TEXT_FIELDS.length][];
        int extra = payload == null ? 0 : payload.toBytes().length;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                texts[i] = values[i].getBytes(StandardCharsets.UTF_8);
                extra += texts[i].length;
            }
        }
        byte[] event = LakeEvent.allocate(record.length, payload == null ? 0 : 1, extra);
        int at = LakeEvent.recordStart(event);
        System.arraycopy(record, 0, event, at, record.length);
        at += record.length;
        for (int i = 0; i < texts.length; i++) {
            if (texts[i] != null) {
                System.arraycopy(texts[i], 0, event, at, texts[i].length);
                LakeEvent.setText(event, i, at, at + texts[i].length);
                at += texts[i].length;
            }
        }
        LakeEvent.setTime(event, 0, utcTimestamp(values[CREATED_DATETIME]));
        LakeEvent.setTime(event, 1, utcTimestamp(values[INGESTED_AT]));
        if (payload != null) {
            byte[] text = payload.toBytes();
            System.arraycopy(text, 0, event, at, text.length);
            LakeEvent.setPayload(event, LakeEvent.PAYLOAD_TEXT);
            LakeEvent.setSpan(event, 0, at, at + text.length);
        }
        return event;
    }

    /**
     * The event as {@link #parsed} would return it, read by one {@link JsonObjectScan} over the
     * record's bytes where they lie (no copy when they are one heap segment); the fields are
     * spans of the record's bytes. Null when the scan declines the record, or a field's text would
     * need Jackson's reading: an escaped string, or a number whose decimal form is not its own text
     * ({@code -0}, {@code 0.0000001}, {@code 1e3}).
     */
    byte[] scanned(StringData recordText) {
        Utf8 record = Utf8.of(recordText);
        byte[] bytes = record.bytes();
        int from = record.from();
        int to = record.to();
        if (scan == null) {
            scan = new JsonObjectScan();
            valueFrom = new int[TEXT_FIELDS.length];
            valueTo = new int[TEXT_FIELDS.length];
            segmentFrom = new int[8];
            segmentTo = new int[8];
        }
        if (!scan.scan(bytes, from, to) || !scan.fields(bytes, TEXT_FIELD_BYTES, valueFrom, valueTo)) {
            return null;
        }
        int segments = 0;
        int previousPayloadEnd = -1;
        for (int m = 0; m < scan.members(); m++) {
            int end = scan.valueEnd(m);
            if (scan.field(m) >= 0) {
                previousPayloadEnd = -1;
            } else if (previousPayloadEnd >= 0) {
                // Adjacent payload members are one span, the bytes between them kept as they were sent.
                segmentTo[segments - 1] = end - from;
                previousPayloadEnd = end;
            } else {
                if (segments == segmentFrom.length) {
                    segmentFrom = Arrays.copyOf(segmentFrom, segments * 2);
                    segmentTo = Arrays.copyOf(segmentTo, segments * 2);
                }
                segmentFrom[segments] = scan.memberStart(m) - from;
                segmentTo[segments] = end - from;
                segments++;
                previousPayloadEnd = end;
            }
        }
        byte[] event = LakeEvent.allocate(to - from, segments, 0);
        int start = LakeEvent.recordStart(event);
        System.arraycopy(bytes, from, event, start, to - from);
        for (int i = 0; i < TEXT_FIELDS.length; i++) {
            if (valueFrom[i] >= 0) {
                LakeEvent.setText(event, i, start + valueFrom[i] - from, start + valueTo[i] - from);
            }
        }
        LakeEvent.setTime(event, 0, utcTimestamp(ascii(bytes, CREATED_DATETIME)));
        LakeEvent.setTime(event, 1, utcTimestamp(ascii(bytes, INGESTED_AT)));
        LakeEvent.setPayload(event, LakeEvent.PAYLOAD_MEMBERS);
        for (int k = 0; k < segments; k++) {
            LakeEvent.setSpan(event, k, start + segmentFrom[k], start + segmentTo[k]);
        }
        return event;
    }

    /** A string's UTF-8 bytes: {@code bytes[from, to)}. */
    private record Utf8(byte[] bytes, int from, int to) {
        /** Where the string's bytes lie when they are one heap segment (no copy), else a copy of them. */
        static Utf8 of(StringData text) {
            BinaryStringData binary = (BinaryStringData) text;
            binary.ensureMaterialized();
            MemorySegment[] segments = binary.getSegments();
            if (segments.length == 1 && !segments[0].isOffHeap()) {
                int from = binary.getOffset();
                return new Utf8(segments[0].getArray(), from, from + binary.getSizeInBytes());
            }
            byte[] copy = binary.toBytes();
            return new Utf8(copy, 0, copy.length);
        }
    }

    /** The field's text as a string; utcTimestamp refuses anything that is not ASCII, as it does for the decoded text. */
    private String ascii(byte[] bytes, int index) {
        return valueFrom[index] < 0 ? null : new String(bytes, valueFrom[index], valueTo[index] - valueFrom[index], StandardCharsets.UTF_8);
    }

    /** The payload of a JSON object with its fields read into {@code values}; null, and no field, for anything else. */
    private static StringData readObject(byte[] bytes, String[] values) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                return read(parser, bytes, values);
            }
        } catch (IOException | NumberFormatException e) {
            // Beyond the parser's limits, not JSON, or not UTF-8: unreadable, as JSON_VALUE would read it.
            // A number whose decimal form Jackson cannot make (an exponent of more digits than an int
            // holds) throws NumberFormatException, not IOException.
        }
        Arrays.fill(values, null);
        return null;
    }

    private static StringData read(JsonParser parser, byte[] bytes, String[] values) throws IOException {
        byte[] payload = new byte[bytes.length + 2];
        payload[0] = '{';
        int length = 1;
        boolean first = true;
        // Where the previous member's value ended, when that member was payload too: the bytes between
        // two adjacent payload members (the comma and its spacing) are kept as they were sent.
        int previousPayloadEnd = -1;
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            int start = (int) parser.currentTokenLocation().getByteOffset();
            int index = indexOf(name);
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                parser.skipChildren();
                if (index >= 0) {
                    values[index] = null;
                }
            } else if (index >= 0) {
                values[index] = switch (value) {
                    case VALUE_NULL -> null;
                    case VALUE_NUMBER_INT -> parser.getBigIntegerValue().toString();
                    case VALUE_NUMBER_FLOAT -> parser.getDecimalValue().toString();
                    default -> parser.getText();
                };
            }
            if (index < 0) {
                // A string's text is read lazily; finishing it moves the location past its closing quote.
                parser.finishToken();
                int end = (int) parser.currentLocation().getByteOffset();
                int from = start;
                if (previousPayloadEnd >= 0) {
                    from = previousPayloadEnd;
                } else if (!first) {
                    payload[length++] = ',';
                }
                System.arraycopy(bytes, from, payload, length, end - from);
                length += end - from;
                first = false;
                previousPayloadEnd = end;
            } else {
                previousPayloadEnd = -1;
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException("not a JSON object");
        }
        payload[length++] = '}';
        return StringData.fromBytes(payload, 0, length);
    }

    private static int indexOf(String name) {
        for (int i = 0; i < TEXT_FIELDS.length; i++) {
            if (TEXT_FIELDS[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code yyyy-MM-dd[T ]HH:mm:ss[.f{1,9}][Z|+00:00]} as a UTC wall-clock time truncated to
     * milliseconds (the form the validator writes, and what the lake readers accept); NULL for
     * anything else, including impossible dates.
     */
    static LocalDateTime utcTimestamp(String s) {
        if (s == null || s.length() < 19) {
            return null;
        }
        if (!(digits(s, 0, 4) && s.charAt(4) == '-' && digits(s, 5, 2) && s.charAt(7) == '-' && digits(s, 8, 2)
                && (s.charAt(10) == 'T' || s.charAt(10) == ' ') && digits(s, 11, 2) && s.charAt(13) == ':'
                && digits(s, 14, 2) && s.charAt(16) == ':' && digits(s, 17, 2))) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < s.length() && s.charAt(i) == '.') {
            int digits = 0;
            i++;
            while (i < s.length() && isDigit(s.charAt(i)) && digits < 9) {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                digits++;
                i++;
            }
            if (digits == 0) {
                return null;
            }
            for (int d = digits; d < 9; d++) {
                nanos *= 10;
            }
        }
        String zone = s.substring(i);
        if (!(zone.isEmpty() || zone.equals("Z") || zone.equals("+00:00"))) {
            return null;
        }
        try {
            return LocalDateTime.of(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2),
                    number(s, 11, 2), number(s, 14, 2), number(s, 17, 2), nanos / 1_000_000 * 1_000_000);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static boolean digits(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int number(String s, int from, int count) {
        return Integer.parseInt(s, from, from + count, 10);
    }

    /** Called once per record for all fields; the planner must not copy the call per field. */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}
