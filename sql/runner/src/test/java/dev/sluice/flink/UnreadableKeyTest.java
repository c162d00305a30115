package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records whose key Flink's JSON parser cannot read (beyond Jackson's StreamReadConstraints
 * defaults in flink-shaded-jackson 2.18.2) are never deduplicated as copies of each other.
 */
class UnreadableKeyTest {
    @TempDir
    Path work;

    private static String event(int n, String payload) {
        return "{\"event_uuid\":\"7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f5" + n + "\",\"event_name\":\"page:viewed\",\"created_at\":1767225600,"
                + payload + ",\"created_datetime\":\"2026-01-01T00:00:00.000Z\",\"event_type\":\"page\",\"event_subtype\":\"viewed\","
                + "\"ingested_at\":\"2026-01-01T00:00:01.000Z\",\"source\":\"s\"}";
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    /** envelope()'s event_uuid of the text. */
    private static String uuidRead(EnvelopeFunction envelope, String text) {
        RowData row = envelope.eval(StringData.fromString(text));
        return row.isNullAt(0) ? null : row.getString(0).toString();
    }

    @Test
    void readsUpToTheParserLimitsAndNothingBeyond() {
        EnvelopeFunction envelope = new EnvelopeFunction();
        // The event object is level 1, so a payload value nested 999 deep reaches level 1000.
        assertEquals("7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f51", uuidRead(envelope, event(1, "\"x\":" + nested(999))));
        assertEquals(null, uuidRead(envelope, event(1, "\"x\":" + nested(1000))));
        assertEquals("7d4f2a5e-1c3b-4e8a-9f0d-2b6c8e1a3f51", uuidRead(envelope, event(1, "\"x\":" + "9".repeat(1000))));
        assertEquals(null, uuidRead(envelope, event(1, "\"x\":" + "9".repeat(1001))));
        assertEquals(new GenericRowData(EnvelopeFunction.FIELDS.length),
                envelope.eval(StringData.fromString(event(1, "\"x\":[" + "9".repeat(1001) + "]"))));
    }

    @Test
    void passesEveryUnreadableRecordThroughDedup() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(event(1, "\"x\":1"));
        lines.add(event(2, "\"x\":" + nested(1000)));
        lines.add(event(3, "\"x\":" + "9".repeat(1001)));
        lines.add(event(4, "\"x\":" + nested(1200)));
        lines.add(event(5, "\"x\":-" + "1".repeat(2000)));
        lines.add(event(6, "\"x\":2"));
        lines.add(event(1, "\"x\":1"));
        Path input = work.resolve("in.jsonl");
        Files.write(input, String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
        Path out = LocalJobs.run("dedup-filter", input, work.resolve("out"), Map.of());
        // The readable copy of event 1 is removed; the four unreadable records all pass, unchanged
        // (the two paths of the job are unioned, so only the set is compared).
        List<String> expected = new ArrayList<>(lines.subList(0, 6));
        List<String> actual = new ArrayList<>(LocalJobs.lines(out.resolve("processed.jsonl")));
        java.util.Collections.sort(expected);
        java.util.Collections.sort(actual);
        assertEquals(expected.size(), actual.size(), "records out");
        assertEquals(true, expected.equals(actual), "the same records, byte for byte");
    }
}
