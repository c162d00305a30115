package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinesFormatTest {
    @TempDir
    Path dir;

    /** An in-memory part file that records how many times it was written to. */
    private static final class PartFile extends FSDataOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int writes;

        @Override
        public long getPos() {
            return bytes.size();
        }

        @Override
        public void write(int b) {
            writes++;
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes++;
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {}

        @Override
        public void sync() {}

        @Override
        public void close() {
            throw new AssertionError("the writer must leave closing the part file to the sink");
        }
    }

    private static GenericRowData row(String text) {
        return GenericRowData.of(text == null ? null : StringData.fromString(text));
    }

    @Test
    void writesEachRecordsBytesAndANewlineInOneWritePerBuffer() throws Exception {
        PartFile part = new PartFile();
        LinesFormatFactory.LinesWriter writer = new LinesFormatFactory.LinesWriter(part);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            String line = "{\"n\":" + i + ",\"text\":\"caf\u00e9 \ud83d\ude00\"}";
            writer.addElement(row(line));
            expected.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, part.writes, "nothing reaches the file before the buffer fills or the sink flushes");
        writer.finish();
        assertArrayEquals(expected.toByteArray(), part.bytes.toByteArray());
        assertEquals(1, part.writes);
    }

    @Test
    void copiesRecordsFromBinaryRowsAndEmptiesAFullBufferFirst() throws Exception {
        PartFile part = new PartFile();
        LinesFormatFactory.LinesWriter writer = new LinesFormatFactory.LinesWriter(part);
        String filler = "x".repeat(LinesFormatFactory.BUFFER_BYTES - 10);
        String next = "y".repeat(20);
        writer.addElement(GenericRowData.of(BinaryStringData.fromBytes(filler.getBytes(StandardCharsets.UTF_8))));
        writer.addElement(row(next));
        assertEquals(1, part.writes, "the second record did not fit beside the first");
        writer.flush();
        assertEquals(filler + "\n" + next + "\n", part.bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writesARecordLargerThanTheBufferWhole() throws Exception {
        PartFile part = new PartFile();
        LinesFormatFactory.LinesWriter writer = new LinesFormatFactory.LinesWriter(part);
        String huge = "z".repeat(3 * LinesFormatFactory.BUFFER_BYTES);
        writer.addElement(row("a"));
        writer.addElement(row(huge));
        writer.addElement(row(null));
        writer.finish();
        assertEquals("a\n" + huge + "\n\n", part.bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFilesystemSinkWritesTheSameBytesAsTheRawFormat() throws Exception {
        Path input = dir.resolve("in.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add("{\"i\":" + i + ",\"s\":\"\u65e5\u672c\u8a9e \\\"q\\\"\"}");
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
        env.executeSql("CREATE TEMPORARY TABLE src (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '" + input
                + "', 'format' = 'raw')");
        for (String format : List.of("raw", LinesFormatFactory.IDENTIFIER)) {
            env.executeSql("CREATE TEMPORARY TABLE out_" + format.replace('-', '_') + " (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '"
                    + dir.resolve(format) + "', 'format' = '" + format + "')");
            env.executeSql("INSERT INTO out_" + format.replace('-', '_') + " SELECT record_text FROM src").await();
        }
        byte[] raw = partsOf(dir.resolve("raw"));
        assertTrue(raw.length > 500 * 20);
        assertArrayEquals(raw, partsOf(dir.resolve(LinesFormatFactory.IDENTIFIER)));
    }

    /** Lines the raw format reads in its own way: CRLF, empty lines, multi-byte and invalid UTF-8, no final newline. */
    private static byte[] awkwardLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] notUtf8 = {'{', '"', 'b', '"', ':', '"', (byte) 0xff, (byte) 0xc3, '"', '}'};
        for (int i = 0; i < 300; i++) {
            String line = switch (i % 6) {
                case 0 -> "{\"i\":" + i + ",\"s\":\"\u65e5\u672c\u8a9e\"}\n";
                case 1 -> "{\"i\":" + i + "}\r\n";
                case 2 -> "\n";
                case 3 -> "\r\n";
                case 4 -> "{\"long\":\"" + "x".repeat(i * 7) + "\"}\n";
                default -> "";
            };
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            if (i % 6 == 5) {
                out.writeBytes(notUtf8);
                out.write('\n');
            }
        }
        out.writeBytes("{\"last\":true}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static List<String> readAll(TableEnvironment env, String table) throws Exception {
        List<String> rows = new ArrayList<>();
        try (org.apache.flink.util.CloseableIterator<org.apache.flink.types.Row> it = env.executeSql("SELECT record_text FROM " + table).collect()) {
            it.forEachRemaining(row -> rows.add((String) row.getField(0)));
        }
        return rows;
    }

    @Test
    void aFilesystemSourceReadsTheSameRowsAsTheRawFormat() throws Exception {
        Path input = dir.resolve("awkward.jsonl");
        Files.write(input, awkwardLines());
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
        for (String format : List.of("raw", LinesFormatFactory.IDENTIFIER)) {
            env.executeSql("CREATE TEMPORARY TABLE in_" + format.replace('-', '_') + " (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '"
                    + input + "', 'format' = '" + format + "')");
        }
        List<String> raw = readAll(env, "in_raw");
        assertEquals(301, raw.size());
        assertEquals(100, raw.stream().filter(String::isEmpty).count());
        assertEquals("{\"last\":true}", raw.get(raw.size() - 1));
        assertEquals(raw, readAll(env, "in_sluice_lines"));
    }

    /** Every row of a reader, with the position after each. */
    private static List<String> drain(BulkFormat.Reader<RowData> reader, List<CheckpointedPosition> positions) throws Exception {
        List<String> rows = new ArrayList<>();
        for (BulkFormat.RecordIterator<RowData> batch = reader.readBatch(); batch != null; batch = reader.readBatch()) {
            for (RecordAndPosition<RowData> next = batch.next(); next != null; next = batch.next()) {
                rows.add(next.getRecord().getString(0).toString());
                positions.add(new CheckpointedPosition(next.getOffset(), next.getRecordSkipCount()));
            }
            batch.releaseBatch();
        }
        reader.close();
        return rows;
    }

    @Test
    void readsLinesAcrossSmallBatchesAndRestoresFromEveryPosition() throws Exception {
        Path input = dir.resolve("awkward.jsonl");
        Files.write(input, awkwardLines());
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(input.toUri());
        FileSourceSplit split = new FileSourceSplit("0", path, 0, Files.size(input), 0, Files.size(input));
        // 64-byte batches: most lines cross one, the longest span many.
        LinesReaderFormat format = new LinesReaderFormat(null, 64, null);
        List<CheckpointedPosition> positions = new ArrayList<>();
        List<String> rows = drain(format.createReader(new Configuration(), split), positions);
        assertEquals(rawRows(awkwardLines()), rows);
        for (int i = 0; i < positions.size(); i += 7) {
            List<String> rest = drain(format.restoreReader(new Configuration(), split.updateWithCheckpointedPosition(positions.get(i))), new ArrayList<>());
            assertEquals(rows.subList(i + 1, rows.size()), rest, "restored after row " + i);
        }
    }

    /** The rows the raw format reads from {@code bytes}: split at each newline, a carriage return before it removed. */
    private static List<String> rawRows(byte[] bytes) {
        List<String> rows = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
            rows.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        return rows;
    }

    /**
     * Starts appending {@code bytes} from {@code from} to {@code input}, {@code chunkBytes} at a time
     * after a pause of {@code pauseMillis} each, then creates {@code marker}; the marker is created
     * even if appending fails, so that a reader ends and the test fails on its rows instead of hanging.
     */
    private static Thread appendThenMark(Path input, Path marker, byte[] bytes, int from, int chunkBytes, long pauseMillis) {
        Thread appender = new Thread(() -> {
            try {
                for (int at = from; at < bytes.length; at += chunkBytes) {
                    Thread.sleep(pauseMillis);
                    Files.write(input, java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + chunkBytes)),
                            java.nio.file.StandardOpenOption.APPEND);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                try {
                    Files.write(marker, new byte[0]);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        appender.start();
        return appender;
    }

    @Test
    void readsAFileWhileItIsAppendedToUntilItsMarkerExists() throws Exception {
        byte[] bytes = awkwardLines();
        Path input = dir.resolve("growing.jsonl");
        Path marker = dir.resolve("growing.complete");
        Files.write(input, new byte[0]);
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(input.toUri());
        BulkFormat.Reader<RowData> reader = new LinesReaderFormat(null, 64, marker.toString())
                .createReader(new Configuration(), new FileSourceSplit("0", path, 0, 0, 0, 0));
        List<String> expected = rawRows(bytes);
        int half = bytes.length / 2;
        // The lines of the first quarter have a quarter of the file after them, enough to fill the
        // buffers they are in: they go out before the rest is written.
        long linesInFirstQuarter = new String(bytes, 0, half / 2, StandardCharsets.ISO_8859_1).chars().filter(c -> c == '\n').count();
        List<String> rows = new ArrayList<>();
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> {
            // The first half ends inside a line: the reader returns the lines of its full buffers and waits.
            Files.write(input, java.util.Arrays.copyOf(bytes, half));
            while (rows.size() < linesInFirstQuarter) {
                BulkFormat.RecordIterator<RowData> batch = reader.readBatch();
                for (RecordAndPosition<RowData> next = batch.next(); next != null; next = batch.next()) {
                    rows.add(next.getRecord().getString(0).toString());
                }
            }
            assertEquals(expected.subList(0, rows.size()), rows);
            // The rest, then at once the marker: the bytes appended just before it are read too.
            Thread appender = appendThenMark(input, marker, bytes, half, bytes.length, 50);
            rows.addAll(drain(reader, new ArrayList<>()));
            appender.join();
        });
        assertEquals(expected, rows);
    }

    @Test
    void aFilesystemSourceWithAMarkerReadsTheLinesAppendedBeforeIt() throws Exception {
        byte[] bytes = awkwardLines();
        Path input = dir.resolve("appended.jsonl");
        Path marker = dir.resolve("appended.complete");
        Files.write(input, new byte[0]);
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
        env.executeSql("CREATE TEMPORARY TABLE appended (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '" + input
                + "', 'format' = '" + LinesFormatFactory.IDENTIFIER + "', '" + LinesFormatFactory.IDENTIFIER + ".complete-marker' = '" + marker + "')");
        Thread appender = appendThenMark(input, marker, bytes, 0, 1000, 20);
        List<String> rows = readAll(env, "appended");
        appender.join();
        Files.write(dir.resolve("whole.jsonl"), bytes);
        env.executeSql("CREATE TEMPORARY TABLE whole (record_text STRING) WITH ('connector' = 'filesystem', 'path' = '"
                + dir.resolve("whole.jsonl") + "', 'format' = 'raw')");
        assertEquals(readAll(env, "whole"), rows);
    }

    private static byte[] partsOf(Path sinkDir) throws Exception {
        Path target = sinkDir.resolveSibling(sinkDir.getFileName() + ".jsonl");
        SqlRunner.concatenateParts(sinkDir, target);
        return Files.readAllBytes(target);
    }

    @Test
    void refusesATableOfOtherColumnsNamingTheFix() {
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
        env.executeSql("CREATE TEMPORARY TABLE wide (a STRING, b INT) WITH ('connector' = 'filesystem', 'path' = '"
                + dir.resolve("wide") + "', 'format' = '" + LinesFormatFactory.IDENTIFIER + "')");
        ValidationException e = assertThrows(ValidationException.class, () -> env.executeSql("INSERT INTO wide VALUES ('x', 1)"));
        String message = e.getMessage() + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
        assertTrue(message.contains("declare it as (record_text STRING)"), message);
    }
}
