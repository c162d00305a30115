package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runner's injected task failure ({@code --fail-trigger}): the function fails exactly once, at
 * the first record after the trigger file appears, and the probe that calls it shares the job's
 * one Kafka source, so the failure is a failure of the job's own source task. The streaming end-to-end test
 * (tests/local/stream.test.ts) watches the restart recover with nothing lost or doubled.
 */
class InjectedFailureTest {
    @TempDir
    Path dir;

    @Test
    void runsOnUntilTheTriggerAppearsThenFailsOnceAtTheNextRecord() throws Exception {
        Path trigger = dir.resolve("fail-now");
        InjectedFailure function = new InjectedFailure(trigger);
        for (int i = 0; i < 1000; i++) {
            assertFalse(function.eval("record " + i));
        }
        Files.createFile(trigger);
        Thread.sleep(2 * InjectedFailure.CHECK_MILLIS);
        InjectedFailure.InjectedTaskFailure failure = assertThrows(InjectedFailure.InjectedTaskFailure.class, () -> function.eval("next"));
        assertTrue(failure.getMessage().startsWith("injected task failure (" + trigger + " appeared)"), failure.getMessage());
        assertFalse(Files.exists(trigger));
        assertTrue(Files.exists(InjectedFailure.injected(trigger)));
        Thread.sleep(2 * InjectedFailure.CHECK_MILLIS);
        assertFalse(function.eval("after"));
    }

    @Test
    void aRestartedTaskFindsNoTriggerAndNeverFails() throws Exception {
        Path trigger = dir.resolve("fail-now");
        Files.createFile(trigger);
        assertThrows(InjectedFailure.InjectedTaskFailure.class, () -> new InjectedFailure(trigger).eval("first record"));
        // A restarted task gets a fresh copy of the function, which looks at once.
        InjectedFailure restarted = new InjectedFailure(trigger);
        for (int i = 0; i < 5; i++) {
            assertFalse(restarted.eval("record " + i));
            Thread.sleep(InjectedFailure.CHECK_MILLIS);
        }
    }

    private StreamRunArgs args(String job) {
        return new StreamRunArgs(job, dir);
    }

    /** The arguments of a streaming run of {@code job}, with every parameter it takes. */
    private record StreamRunArgs(String job, Path dir) {
        List<String> with(String... extra) {
            List<String> args = new ArrayList<>(List.of("--job", job, "--stream", "--checkpoints", dir.resolve("checkpoints").toString(),
                    "--lake", dir.resolve("lake").toString()));
            Set<String> used = JobSql.load(job, "kafka").parameters();
            TestValues.forJob(job, "kafka", java.util.Map.of()).forEach((k, v) -> args.addAll(List.of("--param", k + "=" + v)));
            for (String name : List.of("kafka_bootstrap_servers", "events_topic", "processed_topic", "aggregates_topic")) {
                if (used.contains(name)) {
                    args.addAll(List.of("--param", name + "=" + (name.equals("kafka_bootstrap_servers") ? "127.0.0.1:9092" : name.replace("_topic", ""))));
                }
            }
            args.addAll(List.of(extra));
            return args;
        }
    }

    /** Plans the run's statements as the runner submits them, returning the optimized execution plan. */
    private static String executionPlan(SqlRunner.StreamRun run) throws Exception {
        Files.createDirectories(run.lake());
        Files.createDirectories(run.checkpoints());
        TableEnvironment tableEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        StatementSet inserts = tableEnv.createStatementSet();
        List<JobSql.Statement> statements = run.statements();
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.SetOption set) {
                tableEnv.getConfig().set(set.key(), set.value());
            }
        }
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.Create create) {
                tableEnv.executeSql(create.sql());
            }
        }
        run.beforeInserts(tableEnv);
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.Insert insert) {
                inserts.addInsertSql(insert.sql());
            }
        }
        String plan = inserts.explain();
        return plan.substring(plan.indexOf("== Optimized Execution Plan =="));
    }

    private static int count(String text, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup-filter", "aggregate"})
    void theProbeSharesTheJobsOneSource(String job) throws Exception {
        String plan = executionPlan(SqlRunner.StreamRun.parse(args(job).with("--fail-trigger", dir.resolve("fail-now").toString()).toArray(String[]::new)));
        assertTrue(plan.contains("Sink(table=[default_catalog.default_database." + InjectedFailure.SINK + "]"), plan);
        assertTrue(plan.contains(InjectedFailure.FUNCTION + "(record_text)"), plan);
        assertEquals(1, count(plan, "TableSourceScan\\("), plan);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup-filter", "aggregate"})
    void withoutTheOptionTheJobHasNoProbe(String job) throws Exception {
        SqlRunner.StreamRun run = SqlRunner.StreamRun.parse(args(job).with().toArray(String[]::new));
        assertNull(run.failTrigger());
        String plan = executionPlan(run);
        assertFalse(plan.contains(InjectedFailure.SINK), plan);
        assertFalse(plan.contains(InjectedFailure.FUNCTION), plan);
    }

    @Test
    void refusesATriggerInADirectoryThatDoesNotExist() {
        String trigger = dir.resolve("missing").resolve("fail-now").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SqlRunner.StreamRun.parse(args("dedup-filter").with("--fail-trigger", trigger).toArray(String[]::new)));
        assertEquals("--fail-trigger " + trigger + ": its directory does not exist; create it first", e.getMessage());
    }
}
