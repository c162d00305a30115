package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;

/**
 * The scan of lake_event() and envelope() against their Jackson reading: on every record the scan
 * either declines or gives exactly the row Jackson's reading gives, and it reads the usual
 * enriched event itself.
 */
class JsonObjectScanTest {
    private final LakeEventFunction f = new LakeEventFunction();

    /** An enriched event as the validator writes it, payload members between envelope fields. */
    private static final String EVENT = "{\"event_uuid\":\"9b6f7726-3271-4c43-869c-43a8c3b7cf3c\",\"event_name\":\"course:certificate_issued\","
            + "\"created_at\":1767312000,\"schema_version\":1,\"tenant_id\":\"acme-learning\",\"app\":{\"platform\":\"ios\",\"build\":5142,"
            + "\"ratio\":-0.25e-3,\"tags\":[\"a\",null,true,false,[],{}]},\"geo\":{\"city\":\"Zoë 東京 😀\",\"note\":\"a\\\"b\\\\c\\u00e9\\n\"},"
            + "\"created_datetime\":\"2026-01-02T00:00:00.000Z\",\"event_type\":\"course\",\"event_subtype\":\"certificate_issued\","
            + "\"ingested_at\":\"2026-01-02T02:44:03.000Z\",\"source\":\"bench\"}";

    private byte[] scanned(byte[] bytes) {
        return f.scanned(BinaryStringData.fromBytes(bytes));
    }

    /** What the lake gets from lake_event()'s value: its fields and the payload's text; null for null. */
    private static RowData lake(byte[] event) {
        return event == null ? null : LakeEventFunctionTest.row(event);
    }

    /** The scan declines, or agrees with Jackson; the function's answer is Jackson's either way. */
    private void assertAgrees(byte[] bytes) {
        RowData jackson = lake(f.parsed(StringData.fromBytes(bytes)));
        RowData scanned = lake(scanned(bytes));
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (scanned != null) {
            assertEquals(jackson, scanned, () -> "scan and Jackson differ on " + text);
        }
        assertEquals(jackson, lake(f.eval(StringData.fromBytes(bytes))), () -> "lake_event differs from Jackson on " + text);

        EnvelopeFunction envelope = new EnvelopeFunction();
        RowData envelopeJackson = envelope.parsed(StringData.fromBytes(bytes), bytes);
        RowData envelopeScanned = envelope.scanned(bytes.clone());
        if (envelopeScanned != null) {
            assertEquals(envelopeJackson, envelopeScanned, () -> "envelope scan and Jackson differ on " + text);
        }
        RowData expected = envelopeJackson == null ? new GenericRowData(EnvelopeFunction.FIELDS.length) : envelopeJackson;
        assertEquals(expected, new EnvelopeFunction().eval(StringData.fromBytes(bytes)), () -> "envelope differs from Jackson on " + text);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheUsualEventItselfAndAsJacksonDoes() {
        byte[] event = scanned(utf8(EVENT));
        assertNotNull(event);
        assertEquals(lake(f.parsed(StringData.fromString(EVENT))), lake(event));
        assertEquals("1767312000", lake(event).getString(2).toString());
        RowData envelope = new EnvelopeFunction().scanned(utf8(EVENT));
        assertNotNull(envelope);
        assertEquals(new EnvelopeFunction().parsed(StringData.fromString(EVENT), utf8(EVENT)), envelope);
    }

    @Test
    void readsARecordInsideALargerBufferAndKeepsOnlyItsBytes() {
        byte[] buffer = utf8("xx\n" + EVENT + "\n{\"event_uuid\":\"other\"}\n");
        int start = 3;
        int length = utf8(EVENT).length;
        byte[] event = f.scanned(BinaryStringData.fromBytes(buffer, start, length));
        assertEquals(lake(f.parsed(StringData.fromString(EVENT))), lake(event));
        assertArrayEquals(utf8(EVENT), new LakeEvent.Reader().record(event).toBytes());
    }

    @Test
    void declinesWhatOnlyJacksonCanDecide() {
        String[] declined = {
            "\uFEFF{\"event_uuid\":\"u\"}", // a byte-order mark
            "{\"event\\u005fuuid\":\"u\"}", // an escaped name that decodes to an envelope field
            "{\"event_uuid\":\"u\\u0041\"}", // an escaped envelope value
            "{\"created_at\":-0}",
            "{\"created_at\":0.0000001}",
            "{\"created_at\":1e3}",
            "{\"created_at\":01}",
            "{\"a\":1,}",
            "{\"a\":[1,]}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":tru}",
            "{\"a\":truex}",
            "{\"a\":NaN}",
            "{\"a\":.5}",
            "{\"a\":1.}",
            "{'a':1}",
            "{\"a\":{\"b\":1,2}}",
            "{\"a\":{\"b\"}}",
            "{\"a\":{1:2}}",
            "{\"a\":[1 2]}",
            "{\"a\":{\"b\":1 \"c\":2}}",
            "{\"a\":1 \"b\":2}",
            "{\"a\" 1}",
            "{\"a\"::1}",
            "{\"a\":{\"b\":1]}",
            "{\"a\":[1}",
            "{\"a\":\"x\"]",
            "{,\"a\":1}",
            "{\"a\":,1}",
            "{\"a\":[,1]}",
            "[1]",
            "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}",
            "{\"a\":" + "1".repeat(101) + "}",
            "{\"" + "n".repeat(1001) + "\":1}",
        };
        for (String text : declined) {
            byte[] bytes = utf8(text);
            assertNull(scanned(bytes), text);
            assertNull(new EnvelopeFunction().scanned(bytes), text);
            assertAgrees(bytes);
        }
        // As with Jackson, text after the object is not looked at.
        assertNotNull(scanned(utf8("{\"a\":1} trailing")));
        assertAgrees(utf8("{\"a\":1} trailing"));
    }

    @Test
    void declinesBytesThatAreNotWellFormedUtf8() {
        int[][] sequences = {{0x80}, {0xC0, 0xAF}, {0xE0, 0x80, 0xAF}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xC3}};
        for (int[] sequence : sequences) {
            byte[] prefix = utf8("{\"event_uuid\":\"u\",\"note\":\"a");
            byte[] suffix = utf8("b\"}");
            byte[] bytes = new byte[prefix.length + sequence.length + suffix.length];
            System.arraycopy(prefix, 0, bytes, 0, prefix.length);
            for (int i = 0; i < sequence.length; i++) {
                bytes[prefix.length + i] = (byte) sequence[i];
            }
            System.arraycopy(suffix, 0, bytes, prefix.length + sequence.length, suffix.length);
            assertNull(scanned(bytes));
            assertNull(new EnvelopeFunction().scanned(bytes));
            assertAgrees(bytes);
        }
    }

    /** Every fixture record of the jobs, and every event of the shared CloudEvents fixtures, compact and indented. */
    @Test
    void agreesWithJacksonOnTheFixtures() throws Exception {
        List<byte[]> records = fixtures();
        int read = 0;
        for (byte[] record : records) {
            assertAgrees(record);
            if (scanned(record) != null) {
                read++;
            }
        }
        assertTrue(records.size() > 60 && read > records.size() / 2, "records " + records.size() + ", read by the scan " + read);
    }

    /**
     * 200,000 records made from the fixtures: half by changing, inserting or deleting a few bytes
     * (JSON's punctuation, digits, escapes, whitespace, control and non-ASCII bytes at random
     * places), half by deleting, repeating or swapping one or two tokens.
     */
    @Test
    void agreesWithJacksonOnMutatedRecords() throws Exception {
        List<byte[]> seeds = fixtures();
        seeds.add(utf8(EVENT));
        byte[] alphabet = utf8("{}[]:,\"\\/ \t\n\r0123456789-+.eEtrufalsn u\u00e9");
        byte[] extra = {0x00, 0x1F, (byte) 0x80, (byte) 0xC3, (byte) 0xED, (byte) 0xF0, (byte) 0xFF};
        Random random = new Random(20261206L);
        int scannedCount = 0;
        for (int n = 0; n < 200_000; n++) {
            byte[] record = seeds.get(random.nextInt(seeds.size())).clone();
            for (int e = n % 2 == 1 ? 1 + random.nextInt(2) : 0; e > 0; e--) {
                record = tokenEdit(record, random);
            }
            int edits = n % 2 == 1 ? 0 : 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(record.length);
                byte b = random.nextInt(8) == 0 ? extra[random.nextInt(extra.length)] : alphabet[random.nextInt(alphabet.length)];
                switch (random.nextInt(3)) {
                    case 0 -> record[at] = b;
                    case 1 -> {
                        byte[] longer = new byte[record.length + 1];
                        System.arraycopy(record, 0, longer, 0, at);
                        longer[at] = b;
                        System.arraycopy(record, at, longer, at + 1, record.length - at);
                        record = longer;
                    }
                    default -> {
                        if (record.length > 1) {
                            byte[] shorter = new byte[record.length - 1];
                            System.arraycopy(record, 0, shorter, 0, at);
                            System.arraycopy(record, at + 1, shorter, at, record.length - at - 1);
                            record = shorter;
                        }
                    }
                }
            }
            assertAgrees(record);
            if (scanned(record) != null) {
                scannedCount++;
            }
        }
        // Many mutations stay valid JSON (a digit for a digit, a space added): the scan reads those.
        assertTrue(scannedCount > 20_000, "read by the scan: " + scannedCount);
    }

    /**
     * The record with one of its tokens (a string, a run of other bytes, or one punctuation byte)
     * deleted, repeated, or swapped with the next: the structural mistakes single bytes rarely make.
     */
    private static byte[] tokenEdit(byte[] record, Random random) {
        List<int[]> tokens = new ArrayList<>();
        int i = 0;
        while (i < record.length) {
            int start = i;
            byte c = record[i];
            if (c == '"') {
                i++;
                while (i < record.length && record[i] != '"') {
                    i += record[i] == '\\' ? 2 : 1;
                }
                i = Math.min(record.length, i + 1);
            } else if ("{}[]:,".indexOf(c) >= 0) {
                i++;
            } else {
                while (i < record.length && "{}[]:,\"".indexOf(record[i]) < 0) {
                    i++;
                }
            }
            tokens.add(new int[] {start, i});
        }
        if (tokens.size() < 2) {
            return record;
        }
        int t = random.nextInt(tokens.size());
        int[] token = tokens.get(t);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        switch (random.nextInt(3)) {
            case 0 -> {
                out.write(record, 0, token[0]);
                out.write(record, token[1], record.length - token[1]);
            }
            case 1 -> {
                out.write(record, 0, token[1]);
                out.write(record, token[0], record.length - token[0]);
            }
            default -> {
                int[] next = tokens.get(Math.min(t + 1, tokens.size() - 1));
                out.write(record, 0, token[0]);
                out.write(record, next[0], next[1] - next[0]);
                out.write(record, token[0], token[1] - token[0]);
                out.write(record, next[1], record.length - next[1]);
            }
        }
        return out.toByteArray();
    }

    private static List<byte[]> fixtures() throws IOException {
        List<byte[]> records = new ArrayList<>();
        for (String name : new String[] {"dedup-filter.input.jsonl", "aggregate.input.jsonl", "envelope-parity.jsonl"}) {
            for (String line : Files.readAllLines(LocalJobs.fixture(name), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(utf8(line));
                }
            }
        }
        ObjectMapper mapper = new ObjectMapper();
        Path cloudEvents = Path.of("..", "..", "..", "shared", "fixtures", "cloudevents");
        for (String name : new String[] {"valid-events.json", "invalid-events.json"}) {
            for (JsonNode test : mapper.readTree(cloudEvents.resolve(name).toFile()).get("tests")) {
                JsonNode value = test.get("event");
                records.add(utf8(mapper.writeValueAsString(value)));
                records.add(utf8(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value)));
            }
        }
        return records;
    }
}
