package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming table declarations (sql/flink/&lt;job&gt;/tables.kafka.sql) planned with the job's
 * query logic against the real Kafka connector's table factory, which refuses any option it does
 * not know and any combination it does not support. Planning needs no broker.
 */
class KafkaTablesTest {
    /** The local lake the jobs commit to; its tables are created before the INSERTs are planned. */
    @TempDir
    static Path lake;

    /** The broker and topics of the local streaming mode, the lake, and the default processing values. */
    private static Map<String, String> values(String job) {
        Set<String> used = JobSql.load(job, "kafka").parameters();
        Map<String, String> streaming = new java.util.HashMap<>(Map.of(
                "kafka_bootstrap_servers", "127.0.0.1:9092",
                "events_topic", "events",
                "processed_topic", "processed",
                "aggregates_topic", "aggregates",
                "lake_path", lake.toString()));
        streaming.keySet().retainAll(used);
        return TestValues.forJob(job, "kafka", streaming);
    }

    /** Declares the job's tables and views and plans all its INSERTs as one statement set. */
    private static String plan(List<JobSql.Statement> statements) {
        TableEnvironment tableEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        StatementSet inserts = tableEnv.createStatementSet();
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.SetOption set) {
                tableEnv.getConfig().set(set.key(), set.value());
            } else if (statement instanceof JobSql.Create create) {
                tableEnv.executeSql(create.sql());
            } else if (statement instanceof JobSql.Insert insert) {
                inserts.addInsertSql(insert.sql());
            }
        }
        new LocalLake(lake).ensureTables(tableEnv);
        return inserts.explain();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup-filter", "aggregate"})
    void eachJobPlansAgainstTheKafkaConnector(String job) {
        String plan = plan(JobSql.load(job, "kafka").render(values(job)));
        assertTrue(plan.contains("Sink(table=[default_catalog.default_database."), plan);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedup-filter", "aggregate"})
    void sinksAreTransactionalAndSourcesReadCommitted(String job) {
        for (JobSql.Statement statement : JobSql.load(job, "kafka").render(values(job))) {
            if (!(statement instanceof JobSql.Create create) || !create.sql().contains("'connector' = 'kafka'")) {
                continue;
            }
            String sql = create.sql();
            boolean sink = sql.contains("'sink.");
            if (sink) {
                assertTrue(sql.contains("'sink.delivery-guarantee' = 'exactly-once'"), sql);
                assertTrue(sql.contains("'sink.transactional-id-prefix' = 'sluice-" + job + "-"), sql);
            } else {
                assertTrue(sql.contains("'properties.isolation.level' = 'read_committed'"), sql);
            }
        }
    }

    @Test
    void theFactoryRefusesAnOptionItDoesNotKnow() {
        List<JobSql.Statement> statements = JobSql.load("dedup-filter", "kafka").render(values("dedup-filter")).stream()
                .map(s -> s instanceof JobSql.Create c
                        ? new JobSql.Create(c.sql().replace("'sink.delivery-guarantee'", "'sink.delivery.guarantee'"))
                        : s)
                .toList();
        ValidationException e = assertThrows(ValidationException.class, () -> plan(statements));
        String message = causes(e);
        assertTrue(message.contains("Unsupported options") && message.contains("sink.delivery.guarantee"), message);
    }

    @Test
    void streamingRunsTakeTheBrokerAndTopics() {
        assertEquals(
                Set.of("dedup_ttl_seconds", "events_topic", "exclude_event_names", "exclude_event_types",
                        "kafka_bootstrap_servers", "lake_path", "max_future_skew_seconds", "processed_topic"),
                JobSql.load("dedup-filter", "kafka").parameters());
        assertEquals(
                Set.of("aggregates_topic", "allowed_lateness_seconds", "kafka_bootstrap_servers", "lake_path", "processed_topic", "window_seconds"),
                JobSql.load("aggregate", "kafka").parameters());
    }

    @Test
    void refusesBootstrapServersThatCouldChangeTheStatement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobSql.load("aggregate", "kafka").render(TestValues.forJob("aggregate", "kafka", Map.of(
                        "kafka_bootstrap_servers", "127.0.0.1:9092', 'x' = 'y", "processed_topic", "processed", "aggregates_topic", "aggregates"))));
        assertTrue(e.getMessage().startsWith("parameter 'kafka_bootstrap_servers' has an invalid value"), e.getMessage());
    }

    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append('\n');
        }
        return out.toString();
    }
}
