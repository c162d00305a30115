package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once across a failure: each job runs unbounded over a followed directory of input
 * files, with checkpoints every 300 ms. Files arrive in four batches; after the lake has committed
 * the first two, a third is dropped in and the task manager running the job is stopped, so the
 * job fails while reading it, restarts from its last checkpoint on a new task manager and reads
 * on (the test checks that it restarted); the fourth is dropped once the third is committed. The lake tables then hold exactly the oracle's rows, each once; a run without the
 * failure holds the same rows.
 */
class ExactlyOnceTest {
    private static final Duration CHECKPOINTS = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofMinutes(4);
    private static final long START = Instant.parse("2026-03-17T10:00:00Z").getEpochSecond();
    private static final String[] NAMES = {"account:created", "payment:order:completed", "lesson:started", "heartbeat"};

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .setConfiguration(clusterConfiguration())
            .build());

    @TempDir
    Path work;

    /** The index of the task manager that runs the jobs: the cluster's first, then each replacement. */
    private static int runningTaskManager = 0;

    private static Configuration clusterConfiguration() {
        Configuration conf = SqlRunner.localConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        // Room for a new task manager to register on a busy machine before the job gives up.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1000);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        return conf;
    }

    private static final java.time.format.DateTimeFormatter ISO = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

    /** Event i of the input: one second after event i - 1 in event time, ingested {@code ingestDelaySeconds} later. */
    private static String event(int i, int ingestDelaySeconds) {
        long created = START + i;
        String name = NAMES[i % NAMES.length];
        String[] parts = name.split(":");
        return String.format("{\"event_uuid\":\"00000000-0000-4000-8000-%012d\",\"event_name\":\"%s\",\"created_at\":%d,\"n\":%d,"
                        + "\"created_datetime\":\"%s\",\"event_type\":\"%s\",\"event_subtype\":%s,\"ingested_at\":\"%s\",\"source\":\"stream\"}",
                i, name, created, i, ISO.format(LocalDateTime.ofEpochSecond(created, 0, ZoneOffset.UTC)), parts[0],
                parts.length > 1 ? "\"" + parts[1] + "\"" : "null",
                ISO.format(LocalDateTime.ofEpochSecond(created + ingestDelaySeconds, 0, ZoneOffset.UTC)));
    }

    /** Batch b: events 150*b .. 150*b+149, then a copy of every tenth event of this and the previous batch. */
    private static List<String> batch(int b) {
        List<String> lines = new ArrayList<>();
        for (int i = 150 * b; i < 150 * (b + 1); i++) {
            lines.add(event(i, 1));
        }
        for (int i = Math.max(0, 150 * (b - 1)); i < 150 * (b + 1); i += 10) {
            lines.add(event(i, 7));
        }
        return lines;
    }

    /** Drops a file into the followed directory whole: written under a hidden name, then renamed. */
    private static void drop(Path dir, String name, List<String> lines) throws IOException {
        Path hidden = dir.resolve("." + name);
        Files.write(hidden, lines, StandardCharsets.UTF_8);
        Files.move(hidden, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** As a local run sets up its mini-cluster, with checkpoints; submitted to the extension's cluster. */
    private static Configuration streaming() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, CHECKPOINTS);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ZERO);
        return conf;
    }

    private static long committedRecords(Path lake, String table) {
        return new LocalLake(lake).liveFiles(List.of(table)).get(table).records();
    }

    private static void awaitUntil(String what, LongSupplier value, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (value.getAsLong() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " to reach " + atLeast + " (at " + value.getAsLong() + ")");
            }
            Thread.sleep(100);
        }
    }

    /**
     * Runs {@code job} over four batches made by {@code batches}, dropping batch 1 once the table
     * holds {@code afterFirstBatch} rows, batch 2 once it holds {@code afterTwoBatches} and batch 3
     * once it holds {@code afterThreeBatches}; with {@code fail}, stops the task manager running the
     * job right after batch 2 is dropped. Returns the lake table's rows once it holds {@code expected}
     * of them and three more checkpoints have passed.
     */
    private List<String> run(MiniCluster cluster, String job, Map<String, String> params, List<List<String>> batches, String table,
            long afterFirstBatch, long afterTwoBatches, long afterThreeBatches, long expected, boolean fail) throws Exception {
        Path input = Files.createDirectories(work.resolve(job + "-in"));
        Path lake = work.resolve("lake");
        SqlRunner.LocalRun run = new SqlRunner.LocalRun(job, input, null, true, work.resolve(job + "-out"), lake, CHECKPOINTS,
                TestValues.forJob(job, "follow", params));
        drop(input, "batch-0.jsonl", batches.get(0));
        JobClient client = run.submit(streaming(), work.resolve(job + "-out"));
        try {
            // One file at a time at first: files found in the same listing are read in no set
            // order, and the oracle needs batch 0 to arrive before the copies batch 1 holds.
            awaitUntil(table + " rows of batch 0", () -> committedRecords(lake, table), afterFirstBatch);
            drop(input, "batch-1.jsonl", batches.get(1));
            awaitUntil(table + " rows of batches 0 and 1", () -> committedRecords(lake, table), afterTwoBatches);
            drop(input, "batch-2.jsonl", batches.get(2));
            if (fail) {
                Thread.sleep(CHECKPOINTS.toMillis() / 2);
                // The replacement registers first, so the job restarts at once on it; then the task
                // manager running the job is stopped. The cluster keeps stopped ones in its list.
                cluster.startTaskManager();
                cluster.terminateTaskManager(runningTaskManager++).get();
            }
            // Batch 3 holds copies of batch 2's events (and moves the watermark past them): were both
            // files found by the restarted job's first listing, either could be read first.
            awaitUntil(table + " rows of batches 0 to 2", () -> committedRecords(lake, table), afterThreeBatches);
            drop(input, "batch-3.jsonl", batches.get(3));
            awaitUntil(table + " rows of every batch", () -> committedRecords(lake, table), expected);
            Thread.sleep(3 * CHECKPOINTS.toMillis());
            assertEquals(JobStatus.RUNNING, cluster.getJobStatus(client.getJobID()).get());
            long restarted = cluster.getExecutionGraph(client.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING);
            assertEquals(fail, restarted > 0, fail ? "the job never restarted" : "the job restarted without a failure");
        } finally {
            client.cancel().get();
        }
        return rows(lake, table);
    }

    private static List<String> rows(Path lake, String table) throws Exception {
        TableEnvironment batch = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        batch.executeSql("CREATE CATALOG check_lake WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop', 'warehouse' = '" + lake + "')");
        List<String> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = batch.executeSql("SELECT * FROM check_lake.curated." + table).collect()) {
            it.forEachRemaining(row -> rows.add(row.toString()));
        }
        rows.sort(null);
        return rows;
    }

    private static List<List<String>> eventBatches() {
        return List.of(batch(0), batch(1), batch(2), batch(3));
    }

    @Test
    void eventsHoldEachProcessedEventOnceAcrossATaskFailure(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<String> withFailure = run(cluster, "dedup-filter", Map.of(), eventBatches(), "events", 150, 300, 450, 600, true);
        assertEquals(600, withFailure.size());
        // The oracle: events 0..599, each once, as the lake row of its first arrival.
        List<String> uuids = withFailure.stream().map(r -> r.substring(3, 39)).sorted().distinct().toList();
        assertEquals(600, uuids.size(), "a duplicate (event_uuid, created_at) in the events table");
        for (int i = 0; i < 600; i++) {
            assertEquals(String.format("00000000-0000-4000-8000-%012d", i), uuids.get(i));
        }
        assertTrue(withFailure.stream().allMatch(r -> r.contains(", {\"n\":")), withFailure.get(0));
        Path previousWork = work;
        work = Files.createDirectories(previousWork.resolve("again"));
        List<String> withoutFailure = run(cluster, "dedup-filter", Map.of(), eventBatches(), "events", 150, 300, 450, 600, false);
        assertEquals(withFailure, withoutFailure);
    }

    /** The processed events of batch b (no copies: dedup removed them), for the aggregate job. */
    private static List<List<String>> processedBatches() {
        List<List<String>> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            List<String> lines = new ArrayList<>();
            for (int i = 150 * b; i < 150 * (b + 1); i++) {
                lines.add(event(i, 1));
            }
            batches.add(lines);
        }
        return batches;
    }

    /**
     * The oracle's windows: events 0..599 are one second apart from 10:00:00, so the watermark ends
     * at 10:09:59 - 30 s and the windows 10:00 .. 10:08 have fired, each with 15 events of each name.
     */
    private static List<String> expectedWindows() {
        Map<String, Long> counts = new TreeMap<>();
        for (int i = 0; i < 540; i++) {
            String[] parts = NAMES[i % NAMES.length].split(":");
            LocalDateTime start = LocalDateTime.ofEpochSecond(START + i - (START + i) % 60, 0, ZoneOffset.UTC);
            String key = "+I[" + start + ", " + start.plusMinutes(1) + ", " + parts[0] + ", " + (parts.length > 1 ? parts[1] : "null");
            counts.merge(key, 1L, Long::sum);
        }
        List<String> rows = new ArrayList<>();
        counts.forEach((key, count) -> rows.add(key + ", " + count + "]"));
        rows.sort(null);
        return rows;
    }

    @Test
    void aggregatesHoldEachWindowOnceAcrossATaskFailure(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<String> expected = expectedWindows();
        assertEquals(36, expected.size());
        List<String> withFailure = run(cluster, "aggregate", Map.of(), processedBatches(), "aggregates", 4, 16, 24, expected.size(), true);
        assertEquals(expected, withFailure);
        work = Files.createDirectories(work.resolve("again"));
        assertEquals(expected, run(cluster, "aggregate", Map.of(), processedBatches(), "aggregates", 4, 16, 24, expected.size(), false));
    }
}
