package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
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
