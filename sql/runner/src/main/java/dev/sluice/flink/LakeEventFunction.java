package dev.sluice.flink;

import static dev.sluice.flink.LakeEvent.CREATED_DATETIME;
import static dev.sluice.flink.LakeEvent.CREATED_TIME;
import static dev.sluice.flink.LakeEvent.INGESTED_AT;
import static dev.sluice.flink.LakeEvent.INGESTED_TIME;
import static dev.sluice.flink.LakeEvent.TEXT_FIELDS;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    private static final JsonObjectScan.Names TEXT_FIELD_NAMES = JsonObjectScan.names(TEXT_FIELDS);

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
        byte[] payloadText = payload == null ? null : payload.toBytes();
        byte[][] texts = new byte[TEXT_FIELDS.length][];
        int extra = payloadText == null ? 0 : payloadText.length;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                texts[i] = values[i].getBytes(StandardCharsets.UTF_8);
                extra += texts[i].length;
            }
        }
        byte[] event = LakeEvent.allocate(record.length, payloadText == null ? 0 : 1, extra);
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
        LakeEvent.setTime(event, CREATED_TIME, utcMillis(values[CREATED_DATETIME]));
        LakeEvent.setTime(event, INGESTED_TIME, utcMillis(values[INGESTED_AT]));
        if (payloadText != null) {
            System.arraycopy(payloadText, 0, event, at, payloadText.length);
            LakeEvent.setPayload(event, LakeEvent.PAYLOAD_TEXT);
            LakeEvent.setSpan(event, 0, at, at + payloadText.length);
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
        if (!scan.scan(bytes, from, to) || !scan.fields(bytes, TEXT_FIELD_NAMES, valueFrom, valueTo)) {
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
        LakeEvent.setTime(event, CREATED_TIME, utcMillis(bytes, valueFrom[CREATED_DATETIME], valueTo[CREATED_DATETIME]));
        LakeEvent.setTime(event, INGESTED_TIME, utcMillis(bytes, valueFrom[INGESTED_AT], valueTo[INGESTED_AT]));
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
     * {@code yyyy-MM-dd[T ]HH:mm:ss[.f{1,9}][Z|+00:00]} in {@code bytes[from, to)} as a UTC time in
     * epoch milliseconds, the fraction truncated to milliseconds (the form the validator writes, and
     * what the lake readers accept); {@link LakeEvent#NULL_TIME} for anything else, including
     * impossible dates. Read from the bytes themselves: no string, no java.time object per record.
     */
    static long utcMillis(byte[] bytes, int from, int to) {
        if (from < 0 || to - from < 19) {
            return LakeEvent.NULL_TIME;
        }
        if (!(digits(bytes, from, 4) && bytes[from + 4] == '-' && digits(bytes, from + 5, 2) && bytes[from + 7] == '-'
                && digits(bytes, from + 8, 2) && (bytes[from + 10] == 'T' || bytes[from + 10] == ' ') && digits(bytes, from + 11, 2)
                && bytes[from + 13] == ':' && digits(bytes, from + 14, 2) && bytes[from + 16] == ':' && digits(bytes, from + 17, 2))) {
            return LakeEvent.NULL_TIME;
        }
        int i = from + 19;
        int millis = 0;
        if (i < to && bytes[i] == '.') {
            int digits = 0;
            i++;
            while (i < to && isDigit(bytes[i]) && digits < 9) {
                if (digits < 3) {
                    millis = millis * 10 + (bytes[i] - '0');
                }
                digits++;
                i++;
            }
            if (digits == 0) {
                return LakeEvent.NULL_TIME;
            }
            for (int d = digits; d < 3; d++) {
                millis *= 10;
            }
        }
        int zone = to - i;
        if (!(zone == 0 || (zone == 1 && bytes[i] == 'Z') || (zone == 6 && bytes[i] == '+' && bytes[i + 1] == '0' && bytes[i + 2] == '0'
                && bytes[i + 3] == ':' && bytes[i + 4] == '0' && bytes[i + 5] == '0'))) {
            return LakeEvent.NULL_TIME;
        }
        int year = number(bytes, from, 4);
        int month = number(bytes, from + 5, 2);
        int day = number(bytes, from + 8, 2);
        int hour = number(bytes, from + 11, 2);
        int minute = number(bytes, from + 14, 2);
        int second = number(bytes, from + 17, 2);
        if (month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
            return LakeEvent.NULL_TIME;
        }
        return epochDay(year, month, day) * 86_400_000L + ((hour * 60L + minute) * 60L + second) * 1000L + millis;
    }

    /** As {@link #utcMillis(byte[], int, int)}, for text Jackson decoded. */
    static long utcMillis(String text) {
        if (text == null) {
            return LakeEvent.NULL_TIME;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return utcMillis(bytes, 0, bytes.length);
    }

    private static boolean digits(byte[] bytes, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!isDigit(bytes[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int number(byte[] bytes, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            n = n * 10 + (bytes[i] - '0');
        }
        return n;
    }

    private static boolean isLeapYear(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> isLeapYear(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days from 1970-01-01 to the date in the proleptic Gregorian calendar (java.time's LocalDate.toEpochDay), for years 0 to 9999. */
    private static long epochDay(int year, int month, int day) {
        long total = 365L * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
        total += (367 * month - 362) / 12;
        total += day - 1;
        if (month > 2) {
            total--;
            if (!isLeapYear(year)) {
                total--;
            }
        }
        return total - DAYS_0000_TO_1970;
    }

    private static final long DAYS_0000_TO_1970 = (146_097L * 5L) - (30L * 365L + 7L);

    /** Called once per record for all fields; the planner must not copy the call per field. */
    @Override
    public boolean isDeterministic() {
        return false;
    }
}
