package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcatenatePartsTest {
    @TempDir
    Path dir;

    @Test
    void movesASinglePartAndCountsItsLines() throws Exception {
        Path parts = Files.createDirectories(dir.resolve("processed"));
        Files.writeString(parts.resolve("part-0a1b-0-0"), "a\nb\nc\n");
        Path target = dir.resolve("processed.jsonl");
        assertEquals(3, SqlRunner.concatenateParts(parts, target));
        assertEquals("a\nb\nc\n", Files.readString(target));
        assertFalse(Files.exists(parts.resolve("part-0a1b-0-0")));
    }

    /** Every byte value next to newlines, at every offset and length a word-wise count can get wrong. */
    @Test
    void countsExactlyTheNewlinesOfAnyBytes() {
        Random random = new Random(7);
        byte[] interesting = {'\n', 0x0B, 0x09, (byte) 0x8A, 0x00, (byte) 0xFF, 0x7F, (byte) 0x80};
        for (int round = 0; round < 2_000; round++) {
            byte[] buffer = new byte[random.nextInt(70)];
            for (int i = 0; i < buffer.length; i++) {
                buffer[i] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt(256);
            }
            int length = buffer.length == 0 ? 0 : random.nextInt(buffer.length + 1);
            long expected = 0;
            for (int i = 0; i < length; i++) {
                expected += buffer[i] == '\n' ? 1 : 0;
            }
            assertEquals(expected, SqlRunner.countNewlines(buffer, length));
        }
    }

    @Test
    void joinsPartsBySubtaskThenCounter() throws Exception {
        Path parts = Files.createDirectories(dir.resolve("processed"));
        Files.writeString(parts.resolve("part-0a1b-0-10"), "third\n");
        Files.writeString(parts.resolve("part-0a1b-0-2"), "second\n");
        Files.writeString(parts.resolve("part-0a1b-0-1"), "first\n");
        Files.writeString(parts.resolve(".part-0a1b-0-11.inprogress"), "never\n");
        Path target = dir.resolve("processed.jsonl");
        assertEquals(3, SqlRunner.concatenateParts(parts, target));
        assertEquals("first\nsecond\nthird\n", Files.readString(target));
    }

    @Test
    void writesAnEmptyFileWhenThereIsNoPart() throws Exception {
        Path target = dir.resolve("processed.jsonl");
        assertEquals(0, SqlRunner.concatenateParts(dir.resolve("none"), target));
        assertEquals("", Files.readString(target));
    }
}
