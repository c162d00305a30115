package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Arrays;
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

    private RowData eval(String text) {
        return f.eval(text == null ? null : StringData.fromString(text));
    }

    /** The lake's payload column for the record: lake_payload() of the record and its lake_event() row. */
    private String payload(String text) {
        StringData record = StringData.fromString(text);
        StringData payload = payload(record, f.eval(record));
        return payload == null ? null : payload.toString();
    }

    static StringData payload(StringData record, RowData row) {
        return new LakePayloadFunction().eval(record, row.isNullAt(9) ? null : row.getString(9), row.isNullAt(10) ? null : row.getBinary(10));
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
                ((GenericRowData) row).getField(9), ((GenericRowData) row).getField(10)), row);
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
        RowData none = eval(null);
        for (int i = 0; i < none.getArity(); i++) {
            assertNull(((GenericRowData) none).getField(i));
        }
    }

    @Test
    void keepsTheBytesOfMembersWrittenInAnyScript() {
        String text = "{\"event_uuid\":\"ü\",\"name\":\"Zoë 東京 😀\",\"event_type\":\"t\",\"emoji\":[\"😀\",\"é\"]}";
        RowData row = eval(text);
        assertEquals("ü", row.getString(0).toString());
        assertEquals("t", row.getString(3).toString());
        assertArrayEquals("{\"name\":\"Zoë 東京 😀\",\"emoji\":[\"😀\",\"é\"]}".getBytes(StandardCharsets.UTF_8),
                payload(StringData.fromString(text), row).toBytes());
    }

    @Test
    void readsARecordWhoseBytesSpanTwoSegments() {
        byte[] utf8 = "{\"event_uuid\":\"u-1\",\"amount\":2,\"event_type\":\"order\",\"source\":\"shop\"}".getBytes(StandardCharsets.UTF_8);
        int cut = 20;
        StringData split = BinaryStringData.fromAddress(new MemorySegment[] {
            MemorySegmentFactory.wrap(Arrays.copyOfRange(utf8, 0, cut)), MemorySegmentFactory.wrap(Arrays.copyOfRange(utf8, cut, utf8.length))},
                0, utf8.length);
        RowData row = f.eval(split);
        assertEquals("u-1", row.getString(0).toString());
        assertEquals("order", row.getString(3).toString());
        assertEquals("shop", row.getString(8).toString());
        assertEquals("{\"amount\":2}", payload(split, row).toString());
    }

    @Test
    void readsBytesThatAreNotUtf8AsTheirLenientDecoding() {
        byte[] utf8 = "{\"event_uuid\":\"u\",\"note\":\"a?b\"}".getBytes(StandardCharsets.UTF_8);
        utf8[utf8.length - 4] = (byte) 0xC3;
        RowData row = f.eval(StringData.fromBytes(utf8));
        assertEquals("u", row.getString(0).toString());
        assertEquals("{\"note\":\"a\uFFFDb\"}", payload(StringData.fromBytes(utf8), row).toString());
    }

    @Test
    void readsUtcTimestampsAndRefusesOthers() {
        assertEquals(LocalDateTime.parse("2026-03-17T10:15:30.123"), LakeEventFunction.utcTimestamp("2026-03-17 10:15:30.123456789+00:00"));
        assertEquals(LocalDateTime.parse("2026-03-17T10:15:30"), LakeEventFunction.utcTimestamp("2026-03-17T10:15:30"));
        assertNull(LakeEventFunction.utcTimestamp("2026-02-30T10:15:30Z"));
        assertNull(LakeEventFunction.utcTimestamp("2026-03-17T10:15:30+01:00"));
        assertNull(LakeEventFunction.utcTimestamp("2026-03-17T10:15:30."));
        assertNull(LakeEventFunction.utcTimestamp("2026-03-17T1:15:30Z"));
    }
}
