package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.core.memory.MemorySegmentFactory;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;

class LakeEventFunctionTest {
    private final LakeEventFunction f = new LakeEventFunction();

    /** lake_event()'s value for the text, as {@link #row} reads it. */
    private RowData eval(String text) {
        return row(f.eval(text == null ? null : StringData.fromString(text)));
    }

    /**
     * Everything the job reads from lake_event()'s value, as a row: the text fields event_uuid,
     * event_name, created_at, event_type, event_subtype, ingested_at, the timestamps
     * created_datetime and ingested_at, source, and the payload.
     */
    static RowData row(byte[] event) {
        if (event == null) {
            return new GenericRowData(10);
        }
        LakeEvent.Reader read = new LakeEvent.Reader();
        return GenericRowData.of(read.text(event, 0), read.text(event, 1), read.text(event, 2), read.text(event, 3), read.text(event, 4),
                read.text(event, LakeEvent.INGESTED_AT), LakeEvent.timestamp(LakeEvent.time(event, LakeEvent.CREATED_TIME)),
                LakeEvent.timestamp(LakeEvent.time(event, LakeEvent.INGESTED_TIME)), read.text(event, 7), LakeEvent.payload(event));
    }

    /** The lake's payload column for the record: lake_payload() of its lake_event() value. */
    private String payload(String text) {
        StringData payload = new LakePayloadFunction().eval(f.eval(StringData.fromString(text)));
        return payload == null ? null : payload.toString();
    }

    @Test
    void cutsThePayloadFromTheOriginalTextInInputOrder() {
        String text = "{\"event_uuid\":\"u\",\"order\":\"o-1\" , \"amount\" : 1.50e0,\"event_name\":\"a:b\",\"x\":{\"y\":[1, \"]\"]},"
                + "\"esc\":\"caf\\u00e9 \\\"q\\\"\",\"created_at\":17,\"created_datetime\":\"2026-03-17T10:15:30.250Z\","
                + "\"event_type\":\"a\",\"event_subtype\":\"b\",\"ingested_at\":\"2026-03-17T10:15:31Z\",\"source\":\"s\",\"n\":null}";
        RowData row = eval(text);
        assertEquals("{\"order\":\"o-1\" , \"amount\" : 1.50e0,\"x\":{\"y\":[1, \"]\"]},\"esc\":\"caf\\u00e9 \\\"q\\\"\",\"n\":null}", payload(text));
        assertEquals(GenericRowData.of(StringData.fromString("u"), StringData.fromString("a:b"), StringData.fromString("17"),
                StringData.fromString("a"), StringData.fromString("b"), StringData.fromString("2026-03-17T10:15:31Z"),
                TimestampData.fromLocalDateTime(LocalDateTime.parse("2026-03-17T10:15:30.250")),
                TimestampData.fromLocalDateTime(LocalDateTime.parse("2026-03-17T10:15:31")), StringData.fromString("s"),
                StringData.fromString("{\"order\":\"o-1\" , \"amount\" : 1.50e0,\"x\":{\"y\":[1, \"]\"]},\"esc\":\"caf\\u00e9 \\\"q\\\"\",\"n\":null}")),
                row);
    }

    @Test
    void givesAnEmptyPayloadWhenEveryMemberIsEnrichedAndNothingForTextThatIsNotAnObject() {
        assertEquals("{}", payload("{\"event_uuid\":\"u\",\"source\":\"s\"}"));
        assertNull(payload("[1]"));
        assertNull(payload("{\"a\":1,"));
        // An exponent Jackson cannot turn into a decimal: unreadable, as JSON_VALUE reads it, not a failed job.
        String hugeExponent = "{\"event_uuid\":\"u\",\"created_at\":12345E78901234567890}";
        assertNull(payload(hugeExponent));
        assertNull(eval(hugeExponent).getString(0));
        assertNull(f.eval(null));
        RowData unreadable = eval("[1]");
        for (int i = 0; i < unreadable.getArity(); i++) {
            assertNull(((GenericRowData) unreadable).getField(i));
        }
    }

    @Test
    void keepsTheBytesOfMembersWrittenInAnyScript() {
        String text = "{\"event_uuid\":\"ü\",\"name\":\"Zoë 東京 😀\",\"event_type\":\"t\",\"emoji\":[\"😀\",\"é\"]}";
        RowData row = eval(text);
        assertEquals("ü", row.getString(0).toString());
        assertEquals("t", row.getString(3).toString());
        assertArrayEquals("{\"name\":\"Zoë 東京 😀\",\"emoji\":[\"😀\",\"é\"]}".getBytes(StandardCharsets.UTF_8),
                row.getString(9).toBytes());
    }

    @Test
    void readsARecordWhoseBytesSpanTwoSegments() {
        byte[] utf8 = "{\"event_uuid\":\"u-1\",\"amount\":2,\"event_type\":\"order\",\"source\":\"shop\"}".getBytes(StandardCharsets.UTF_8);
        int cut = 20;
        StringData split = BinaryStringData.fromAddress(new MemorySegment[] {
            MemorySegmentFactory.wrap(Arrays.copyOfRange(utf8, 0, cut)), MemorySegmentFactory.wrap(Arrays.copyOfRange(utf8, cut, utf8.length))},
                0, utf8.length);
        byte[] event = f.eval(split);
        RowData row = row(event);
        assertEquals("u-1", row.getString(0).toString());
        assertEquals("order", row.getString(3).toString());
        assertEquals("shop", row.getString(8).toString());
        assertEquals("{\"amount\":2}", row.getString(9).toString());
        assertArrayEquals(utf8, new LakeEvent.Reader().record(event).toBytes());
    }

    @Test
    void readsBytesThatAreNotUtf8AsTheirLenientDecoding() {
        byte[] utf8 = "{\"event_uuid\":\"u\",\"note\":\"a?b\"}".getBytes(StandardCharsets.UTF_8);
        utf8[utf8.length - 4] = (byte) 0xC3;
        byte[] event = f.eval(StringData.fromBytes(utf8));
        RowData row = row(event);
        assertEquals("u", row.getString(0).toString());
        assertEquals("{\"note\":\"a\uFFFDb\"}", row.getString(9).toString());
        // The processed stream gets the bytes as they came, not their decoding.
        assertArrayEquals(utf8, new LakeEvent.Reader().record(event).toBytes());
    }

    @Test
    void readsEachFieldThroughItsFunctionAndRefusesAFieldItDoesNotHave() {
        String text = "{\"event_uuid\":\"u\",\"event_type\":\"t\",\"ingested_at\":\"2026-03-17T10:15:31.250Z\",\"n\":1}";
        byte[] event = f.eval(StringData.fromString(text));
        LakeTextFunction lakeText = new LakeTextFunction();
        lakeText.open(null);
        LakeRecordFunction lakeRecord = new LakeRecordFunction();
        lakeRecord.open(null);
        LakeTimeFunction lakeTime = new LakeTimeFunction();

        assertEquals(StringData.fromString("u"), lakeText.eval(event, StringData.fromString("event_uuid")));
        assertEquals(StringData.fromString("t"), lakeText.eval(event, StringData.fromString("event_type")));
        assertNull(lakeText.eval(event, StringData.fromString("event_name")));
        assertNull(lakeText.eval(null, StringData.fromString("event_uuid")));
        assertEquals(TimestampData.fromLocalDateTime(LocalDateTime.parse("2026-03-17T10:15:31.250")),
                lakeTime.eval(event, StringData.fromString("ingested_at")));
        assertNull(lakeTime.eval(event, StringData.fromString("created_datetime")));
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), lakeRecord.eval(event).toBytes());
        assertEquals("{\"n\":1}", new LakePayloadFunction().eval(event).toString());

        assertEquals("lake_text(e, 'type'): no such field; use one of 'event_uuid', 'event_name', 'created_at', 'event_type', "
                + "'event_subtype', 'ingested_at', 'created_datetime', 'source'",
                assertThrows(IllegalArgumentException.class, () -> lakeText.eval(event, StringData.fromString("type"))).getMessage());
        assertEquals("lake_time(e, 'event_uuid'): no such field; use one of 'created_datetime', 'ingested_at'",
                assertThrows(IllegalArgumentException.class, () -> lakeTime.eval(event, StringData.fromString("event_uuid"))).getMessage());
    }

    @Test
    void readsUtcTimestampsAndRefusesOthers() {
        assertEquals(millis("2026-03-17T10:15:30.123"), LakeEventFunction.utcMillis("2026-03-17 10:15:30.123456789+00:00"));
        assertEquals(millis("2026-03-17T10:15:30"), LakeEventFunction.utcMillis("2026-03-17T10:15:30"));
        assertEquals(millis("2024-02-29T23:59:59.900"), LakeEventFunction.utcMillis("2024-02-29T23:59:59.9Z"));
        assertEquals(millis("0000-01-01T00:00:00"), LakeEventFunction.utcMillis("0000-01-01T00:00:00Z"));
        for (String refused : new String[] {"2026-02-30T10:15:30Z", "2025-02-29T00:00:00Z", "2026-03-17T10:15:30+01:00",
            "2026-03-17T10:15:30.", "2026-03-17T1:15:30Z", "2026-03-17T24:00:00Z", "2026-03-17T10:15:30.1234567890Z",
            "2026-13-01T00:00:00Z", "2026-03-17T10:15:30z", "2026-03-17T10:15:30 ", "２026-03-17T10:15:30Z"}) {
            assertEquals(LakeEvent.NULL_TIME, LakeEventFunction.utcMillis(refused), refused);
        }
        assertEquals(LakeEvent.NULL_TIME, LakeEventFunction.utcMillis((String) null));
    }

    /** The reading of java.time, on random text near the accepted form: every answer the same. */
    @Test
    void readsTimestampsAsJavaTimeDoes() {
        Random random = new Random(11);
        String[] zones = {"", "Z", "+00:00", "+01:00", "z", "+00:0", " "};
        for (int n = 0; n < 200_000; n++) {
            String text = String.format("%04d-%02d-%02d%c%02d:%02d:%02d", random.nextInt(10_000), random.nextInt(14), random.nextInt(33),
                    random.nextBoolean() ? 'T' : (random.nextInt(10) == 0 ? 'x' : ' '), random.nextInt(26), random.nextInt(62), random.nextInt(62));
            int fraction = random.nextInt(12) - 1;
            if (fraction >= 0) {
                StringBuilder digits = new StringBuilder(".");
                for (int d = 0; d < fraction; d++) {
                    digits.append((char) ('0' + random.nextInt(10)));
                }
                text += digits;
            }
            text += zones[random.nextInt(zones.length)];
            assertEquals(javaTime(text), LakeEventFunction.utcMillis(text), text);
        }
    }

    private static final Pattern UTC = Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?(?:Z|\\+00:00)?");

    /** The accepted form read with java.time, truncated to milliseconds; NULL_TIME for anything else. */
    private static long javaTime(String text) {
        Matcher m = UTC.matcher(text);
        if (!m.matches()) {
            return LakeEvent.NULL_TIME;
        }
        int nanos = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
        try {
            return LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), nanos / 1_000_000 * 1_000_000)
                    .toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException e) {
            return LakeEvent.NULL_TIME;
        }
    }

    private static long millis(String isoLocal) {
        return LocalDateTime.parse(isoLocal).toInstant(ZoneOffset.UTC).toEpochMilli();
    }
}
