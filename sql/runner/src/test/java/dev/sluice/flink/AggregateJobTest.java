package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sql/flink/aggregate executed in a Flink mini-cluster on fixtures/aggregate.input.jsonl: events
 * from 2026-01-01T00:00:00Z on, out of order, with 1-minute windows and 30 s allowed lateness.
 */
class AggregateJobTest {
    @TempDir
    static Path work;

    private static List<String> input;
    private static Path out;

    @BeforeAll
    static void runJob() throws Exception {
        Path fixture = LocalJobs.fixture("aggregate.input.jsonl");
        input = LocalJobs.lines(fixture);
        out = LocalJobs.run("aggregate", fixture, work.resolve("first"), Map.of());
    }

    private static String row(String start, String end, String type, String subtype, long count) {
        return "{\"window_start\":\"2026-01-01T00:" + start + ":00.000Z\",\"window_end\":\"2026-01-01T00:" + end
                + ":00.000Z\",\"event_type\":\"" + type + "\",\"event_subtype\":"
                + (subtype == null ? "null" : "\"" + subtype + "\"") + ",\"event_count\":" + count + "}";
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }

    @Test
    void countsPerWindowTypeAndSubtypeAcrossWindowBoundaries() throws Exception {
        List<String> expected = Stream.of(
                // 59.999 s belongs to the first window and 60.000 s to the second.
                row("00", "01", "account", "created", 2),
                row("00", "01", "account", "deleted", 1),
                row("00", "01", "heartbeat", null, 1),
                row("00", "01", "payment", "order", 1),
                // Event 10 (61 s) arrives behind the watermark (65 s) but its window is still open.
                row("01", "02", "account", "created", 3),
                row("01", "02", "heartbeat", null, 1),
                row("02", "03", "account", "created", 2),
                row("02", "03", "payment", "order", 1),
                row("03", "04", "heartbeat", null, 1)).toList();
        assertEquals(sorted(expected), sorted(LocalJobs.lines(out.resolve("aggregates.jsonl"))));
    }

    @Test
    void leavesLateEventsOutAndWritesThemUnchangedToLateEvents() throws Exception {
        // 8 and 9 arrive after the 00:00 window fired, 14 after the 00:01 window fired.
        assertEquals(List.of(input.get(7), input.get(8), input.get(13)), LocalJobs.lines(out.resolve("late-events.jsonl")));
    }

    @Test
    void everyEventIsEitherCountedOrLate() throws Exception {
        long counted = LocalJobs.lines(out.resolve("aggregates.jsonl")).stream()
                .mapToLong(line -> Long.parseLong(line.replaceAll(".*\"event_count\":(\\d+)}$", "$1")))
                .sum();
        assertEquals(input.size(), counted + LocalJobs.lines(out.resolve("late-events.jsonl")).size());
    }

    @Test
    void givesTheSameOutputOnEveryRun() throws Exception {
        Path again = LocalJobs.run("aggregate", LocalJobs.fixture("aggregate.input.jsonl"), work.resolve("second"), Map.of());
        assertArrayEquals(LocalJobs.bytes(out.resolve("aggregates.jsonl")), LocalJobs.bytes(again.resolve("aggregates.jsonl")));
        assertArrayEquals(LocalJobs.bytes(out.resolve("late-events.jsonl")), LocalJobs.bytes(again.resolve("late-events.jsonl")));
    }

    @Test
    void followsTheWindowAndLatenessParameters() throws Exception {
        Path wide = LocalJobs.run("aggregate", LocalJobs.fixture("aggregate.input.jsonl"), work.resolve("wide"),
                Map.of("window_seconds", "120", "allowed_lateness_seconds", "0"));
        // Zero lateness: the watermark is the latest created_at. 00:00-00:02 fires when 11 (125.5 s)
        // arrives, so 12 (119.999 s) and 14 (100 s) are late; 8 and 9 arrive while it is open.
        assertEquals(sorted(List.of(
                        row("00", "02", "account", "created", 5),
                        row("00", "02", "account", "deleted", 1),
                        row("00", "02", "heartbeat", null, 3),
                        row("00", "02", "payment", "order", 1),
                        row("02", "04", "account", "created", 2),
                        row("02", "04", "heartbeat", null, 1),
                        row("02", "04", "payment", "order", 1))),
                sorted(LocalJobs.lines(wide.resolve("aggregates.jsonl"))));
        assertEquals(List.of(input.get(11), input.get(13)), LocalJobs.lines(wide.resolve("late-events.jsonl")));
    }

    @Test
    void sendsARecordWithoutAReadableCreatedAtToLateEventsInsteadOfFailing() throws Exception {
        Path input = work.resolve("unreadable.jsonl");
        String unreadable = "{\"event_uuid\":\"00000000-0000-4000-8000-000000000099\",\"event_name\":\"a:b\",\"created_at\":\"soon\",\"event_type\":\"a\",\"event_subtype\":\"b\"}";
        java.nio.file.Files.writeString(input, AggregateJobTest.input.get(0) + "\n" + unreadable + "\n");
        Path result = LocalJobs.run("aggregate", input, work.resolve("unreadable"), Map.of());
        assertEquals(List.of(row("00", "01", "account", "created", 1)), LocalJobs.lines(result.resolve("aggregates.jsonl")));
        assertEquals(List.of(unreadable), LocalJobs.lines(result.resolve("late-events.jsonl")));
    }
}
