package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRunChainTest {
    @TempDir
    Path dir;

    private String[] args(String... args) {
        return args;
    }

    @Test
    void chainsRunsWhoseLaterInputsAnEarlierRunWrites() throws Exception {
        Path events = Files.writeString(dir.resolve("events.jsonl"), "");
        List<SqlRunner.LocalRun> runs = SqlRunner.LocalRun.parseChain(args(
                "--job", "dedup-filter", "--input", events.toString(), "--output", dir.resolve("d").toString(), "--param", "a=1",
                "--then",
                "--job", "aggregate", "--input", dir.resolve("d/processed.jsonl").toString(), "--output", dir.resolve("a").toString()));
        assertEquals(List.of("dedup-filter", "aggregate"), runs.stream().map(SqlRunner.LocalRun::job).toList());
        assertEquals(dir.resolve("d/processed.jsonl"), runs.get(1).input());
        assertEquals(java.util.Map.of("a", "1"), runs.get(0).params());
        assertTrue(runs.get(1).params().isEmpty());
    }

    @Test
    void oneRunIsAChainOfOne() throws Exception {
        Path events = Files.writeString(dir.resolve("events.jsonl"), "");
        assertEquals(1, SqlRunner.LocalRun.parseChain(args("--job", "aggregate", "--input", events.toString(), "--output", "o")).size());
    }

    @Test
    void theFirstRunsInputMustExist() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlRunner.LocalRun.parseChain(args(
                "--job", "dedup-filter", "--input", dir.resolve("missing.jsonl").toString(), "--output", "d")));
        assertEquals("--input " + dir.resolve("missing.jsonl") + " is not a readable file; give a JSON-lines file", e.getMessage());
    }

    @Test
    void aMistakeInALaterRunIsFoundBeforeAnyRunStarts() throws Exception {
        Path events = Files.writeString(dir.resolve("events.jsonl"), "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlRunner.LocalRun.parseChain(args(
                "--job", "dedup-filter", "--input", events.toString(), "--output", "d", "--then", "--job", "aggregate", "--input", "x")));
        assertTrue(e.getMessage().startsWith("--job, one of --input or --input-dir, and --output are required"), e.getMessage());
    }

    @Test
    void refusesAThenWithoutARunOnEitherSide() throws Exception {
        Path events = Files.writeString(dir.resolve("events.jsonl"), "");
        for (String[] line : List.of(
                args("--job", "aggregate", "--input", events.toString(), "--output", "o", "--then"),
                args("--then", "--job", "aggregate", "--input", events.toString(), "--output", "o"))) {
            assertEquals("--then separates two runs; a run is missing before or after it",
                    assertThrows(IllegalArgumentException.class, () -> SqlRunner.LocalRun.parseChain(line)).getMessage());
        }
    }

    @Test
    void aLaterRunWhoseInputNoEarlierRunWroteIsRefusedWhenItsTurnComes() throws Exception {
        SqlRunner.LocalRun run = SqlRunner.LocalRun.parseChain(args(
                "--job", "aggregate", "--input", Files.writeString(dir.resolve("e.jsonl"), "").toString(), "--output", "o",
                "--then", "--job", "aggregate", "--input", dir.resolve("never.jsonl").toString(), "--output", "o2")).get(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::execute);
        assertEquals("--input " + dir.resolve("never.jsonl") + " is not a readable file when its run starts; give a JSON-lines file"
                + " (in a chain, --then, one an earlier run writes: <its --output>/<sink>.jsonl)", e.getMessage());
    }

    @Test
    void anAppendedInputRendersItsMarkerAndACompleteOneItself() throws Exception {
        Path events = Files.writeString(dir.resolve("events.jsonl"), "");
        Path marker = dir.resolve("events.complete");
        List<String> line = new java.util.ArrayList<>(List.of(
                "--job", "dedup-filter", "--input", events.toString(), "--input-complete-when", marker.toString(), "--output", "d"));
        TestValues.forJob("dedup-filter", "local", java.util.Map.of()).forEach((k, v) -> line.addAll(List.of("--param", k + "=" + v)));
        line.addAll(List.of("--then", "--job", "aggregate", "--input", events.toString(), "--output", "a"));
        TestValues.forJob("aggregate", "local", java.util.Map.of()).forEach((k, v) -> line.addAll(List.of("--param", k + "=" + v)));
        List<SqlRunner.LocalRun> runs = SqlRunner.LocalRun.parseChain(line.toArray(String[]::new));
        assertTrue(runs.get(0).appended());
        assertFalse(runs.get(1).appended());
        String markerOption = "'sluice-lines.complete-marker' = ";
        assertTrue(createSql(runs.get(0)).contains(markerOption + "'" + marker + "'"), createSql(runs.get(0)));
        assertTrue(createSql(runs.get(1)).contains(markerOption + "'" + events + "'"), createSql(runs.get(1)));
    }

    private String createSql(SqlRunner.LocalRun run) {
        return run.render(dir.resolve("sinks")).statements().stream()
                .filter(JobSql.Create.class::isInstance)
                .map(statement -> ((JobSql.Create) statement).sql())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void refusesACompletionMarkerOnAFollowedDirectory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlRunner.LocalRun.parseChain(args(
                "--job", "dedup-filter", "--input-dir", dir.toString(), "--input-complete-when", dir.resolve("m").toString(),
                "--checkpoint-interval-ms", "100", "--output", "d")));
        assertEquals("--input-complete-when marks when an --input file is complete; a followed --input-dir has no end, remove it", e.getMessage());
    }
}
