package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.LocalDateTime;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class LakeEventFunctionTest {
    private final LakeEventFunction f = new LakeEventFunction();

    @Test
    void cutsThePayloadFromTheOriginalTextInInputOrder() {
        Row row = f.eval("{\"event_uuid\":\"u\",\"order\":\"o-1\" , \"amount\" : 1.50e0,\"event_name\":\"a:b\",\"x\":{\"y\":[1, \"]\"]},"
                + "\"esc\":\"caf\\u00e9 \\\"q\\\"\",\"created_at\":17,\"created_datetime\":\"2026-03-17T10:15:30.250Z\","
                + "\"event_type\":\"a\",\"event_subtype\":\"b\",\"ingested_at\":\"2026-03-17T10:15:31Z\",\"source\":\"s\",\"n\":null}");
        assertEquals("{\"order\":\"o-1\" , \"amount\" : 1.50e0,\"x\":{\"y\":[1, \"]\"]},\"esc\":\"caf\\u00e9 \\\"q\\\"\",\"n\":null}", row.getField(9));
        assertEquals(Row.of("u", "a:b", "17", "a", "b", "2026-03-17T10:15:31Z", LocalDateTime.parse("2026-03-17T10:15:30.250"),
                LocalDateTime.parse("2026-03-17T10:15:31"), "s", row.getField(9)), row);
    }

    @Test
    void givesAnEmptyPayloadWhenEveryMemberIsEnrichedAndNothingForTextThatIsNotAnObject() {
        assertEquals("{}", f.eval("{\"event_uuid\":\"u\",\"source\":\"s\"}").getField(9));
        assertNull(f.eval("[1]").getField(9));
        assertNull(f.eval("{\"a\":1,").getField(9));
        assertNull(f.eval(null).getField(0));
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
