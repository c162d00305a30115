package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sql/flink/dedup-filter executed in a Flink mini-cluster on fixtures/dedup-filter.input.jsonl. */
class DedupFilterJobTest {
    @TempDir
    static Path work;

    private static List<String> input;
    private static Path processed;

    @BeforeAll
    static void runJob() throws Exception {
        Path fixture = LocalJobs.fixture("dedup-filter.input.jsonl");
        input = LocalJobs.lines(fixture);
        processed = LocalJobs.run("dedup-filter", fixture, work.resolve("out"), Map.of(
                "exclude_event_types", "internal",
                "exclude_event_names", "account:deleted"))
                .resolve("processed.jsonl");
    }

    /** The fixture's lines (1-based), in order. */
    private static List<String> inputLines(int... numbers) {
        return java.util.Arrays.stream(numbers).mapToObj(n -> input.get(n - 1)).toList();
    }

    @Test
    void keepsExactlyTheExpectedRecordsInArrivalOrder() throws Exception {
        // 2: same pair 5 s later; 4: same pair 5 h later (within the 24 h TTL); 6: same created_at
        // written 1767225610.000; 7: excluded type; 8: excluded name; 11: 300.001 s of skew.
        assertEquals(inputLines(1, 3, 5, 9, 10, 12, 13, 14), LocalJobs.lines(processed));
    }

    @Test
    void writesEveryRecordByteForByte() throws Exception {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (String line : inputLines(1, 3, 5, 9, 10, 12, 13, 14)) {
            expected.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertArrayEquals(expected.toByteArray(), LocalJobs.bytes(processed));
    }

    /** Nothing on the record's way through the job decodes it: bytes that are not UTF-8 leave as they came. */
    @Test
    void writesBytesThatAreNotUtf8BackUnchanged() throws Exception {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (int i = 1; i <= 2; i++) {
            input.write(("{\"event_uuid\":\"00000000-0000-4000-8000-00000000010" + i + "\",\"event_name\":\"a:b\",\"created_at\":1767225600,"
                    + "\"event_type\":\"a\",\"ingested_at\":\"2026-01-01T00:00:01.000Z\",\"note\":\"").getBytes(StandardCharsets.UTF_8));
            // A truncated two-byte sequence, a lone continuation byte and a byte that is never UTF-8.
            input.write(new byte[] {(byte) 0xC3, '(', (byte) 0x80, (byte) 0xFF});
            input.write("\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Path file = work.resolve("not-utf8.jsonl");
        java.nio.file.Files.write(file, input.toByteArray());
        Path out = LocalJobs.run("dedup-filter", file, work.resolve("not-utf8"), Map.of());
        assertArrayEquals(input.toByteArray(), LocalJobs.bytes(out.resolve("processed.jsonl")));
    }

    @Test
    void passesUnusualJsonThroughUnchanged() throws Exception {
        String odd = LocalJobs.lines(processed).get(6);
        assertEquals(input.get(12), odd);
        for (String fragment : List.of(
                "\"big\":12345678901234567890", "\"huge\":1.0e400", "\"tiny\":-4.9e-324",
                "\"precise\":0.10000000000000000000001", "caf\\u00e9 \\\"quoted\\\" back\\\\slash\\ttab\\nnewline \\ud83d\\ude00",
                "\"literal\":\"日本語 Ünïcödé 😀\"", "\"nested\":{\"a\":[1,{\"b\":[null,true,false]}],\"empty\":{},\"list\":[]}",
                "\"spaced\" : [ 1 , 2 ] }")) {
            assertEquals(true, odd.contains(fragment), fragment);
        }
    }

    @Test
    void keepsEverythingWhenNothingIsExcludedAndSkewIsGenerous() throws Exception {
        Path out = LocalJobs.run("dedup-filter", LocalJobs.fixture("dedup-filter.input.jsonl"), work.resolve("open"),
                Map.of("max_future_skew_seconds", "301"));
        assertEquals(inputLines(1, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14), LocalJobs.lines(out.resolve("processed.jsonl")));
    }
}
