package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tables.cloud.sql, with the job's query logic, planned (EXPLAIN) as Managed Flink would plan
 * it: the Kinesis tables against the option set of flink-connector-aws 6.0.0 (KinesisOptionsStub),
 * the lake tables against Iceberg's Flink connector and a catalog standing in for Glue, in which
 * the tables exist with their partition specs as the platform declares them.
 */
class CloudTablesTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/sluice-dev-";
    private static final String GLUE = "'catalog-impl' = 'org.apache.iceberg.aws.glue.GlueCatalog'";

    @TempDir
    static Path warehouse;

    /**
     * The lake tables as the platform declares them, taken here from tables.local.sql (a separate
     * declaration of the same tables), so the cloud declaration is checked against it.
     */
    @BeforeAll
    static void standInForGlue() throws Exception {
        System.setProperty(GlueCatalogStandIn.WAREHOUSE_PROPERTY, warehouse.toString());
        for (String job : JobSql.JOBS) {
            TableEnvironment env = TableEnvironment.create(SqlRunner.localSettings(null));
            Map<String, String> local = Map.of("input_path", "/in", "processed_output", "/p", "aggregates_output", "/a",
                    "late_events_output", "/l", "lake_path", "/lake");
            JobSql sql = JobSql.load(job, "local");
            Map<String, String> used = new HashMap<>(local);
            used.keySet().retainAll(sql.parameters());
            for (JobSql.Statement s : sql.render(TestValues.forParameters(sql.parameters(), used))) {
                if (s instanceof JobSql.Create c && c.sql().contains("'connector' = 'iceberg'")) {
                    env.executeSql(c.sql());
                }
            }
            new LocalLake(warehouse, "sluice_dev").ensureTables(env);
        }
    }

    static Map<String, String> params(String job) {
        Map<String, String> p = new HashMap<>(Map.of(
                "region", "eu-west-1",
                "processed_stream_arn", ARN + "processed",
                "lake_warehouse", "s3://sluice-dev-lake-123456789012/curated",
                "glue_database", "sluice_dev",
                "kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        p.put(job.equals("dedup-filter") ? "events_stream_arn" : "aggregates_stream_arn", ARN + (job.equals("dedup-filter") ? "events" : "aggregates"));
        return p;
    }

    /** Plans the job's cloud SQL, with {@code edit} applied to each statement first; returns the plan. */
    static String explain(String job, UnaryOperator<String> edit) {
        List<JobSql.Statement> statements = new ArrayList<>();
        for (JobSql.Statement s : JobSql.load(job, "cloud").render(TestValues.forJob(job, "cloud", params(job)))) {
            if (s instanceof JobSql.Create c) {
                assertFalse(c.sql().contains("GlueCatalogStandIn"));
                statements.add(new JobSql.Create(edit.apply(c.sql().replace(GLUE, "'catalog-impl' = '" + GlueCatalogStandIn.class.getName() + "'"))));
            } else if (s instanceof JobSql.Insert i) {
                statements.add(new JobSql.Insert(edit.apply(i.sql())));
            } else {
                statements.add(s);
            }
        }
        TableEnvironment env = TableEnvironment.create(SqlRunner.localSettings(null));
        for (JobSql.Statement s : statements) {
            if (s instanceof JobSql.SetOption set) {
                env.getConfig().set(set.key(), set.value());
            }
        }
        for (JobSql.Statement s : statements) {
            if (s instanceof JobSql.Create c) {
                env.executeSql(c.sql());
            }
        }
        StatementSet set = env.createStatementSet();
        statements.stream().filter(s -> s instanceof JobSql.Insert).forEach(s -> set.addInsertSql(((JobSql.Insert) s).sql()));
        return set.explain();
    }

    @Test
    void everyJobsCloudTablesPlanWithTheirQueries() {
        for (String job : JobSql.JOBS) {
            GlueCatalogStandIn.SEEN.clear();
            String plan = explain(job, UnaryOperator.identity());
            String lake = job.equals("dedup-filter") ? "lake_events" : "lake_aggregates";
            String stream = job.equals("dedup-filter") ? "processed" : "aggregates";
            assertTrue(plan.contains("Sink(table=[default_catalog.default_database." + lake + "]"), plan);
            assertTrue(plan.contains("Sink(table=[default_catalog.default_database." + stream + "]"), plan);
            assertFalse(GlueCatalogStandIn.SEEN.isEmpty(), job + ": the lake table's catalog was never loaded");
            Map<String, String> seen = GlueCatalogStandIn.SEEN.get(0);
            assertEquals("s3://sluice-dev-lake-123456789012/curated", seen.get("warehouse"));
            assertEquals("eu-west-1", seen.get("client.region"));
        }
    }

    private static String refusal(String job, String from, String to) {
        Throwable e = assertThrows(Throwable.class, () -> explain(job, sql -> sql.replace(from, to)));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    @Test
    void refusesAnUnknownSourceOption() {
        String message = refusal("dedup-filter", "'source.init.position'", "'source.init.positon'");
        assertTrue(message.contains("Unsupported options found for 'kinesis'") && message.contains("source.init.positon"), message);
    }

    @Test
    void refusesAnUnknownSinkOrAwsOption() {
        assertTrue(refusal("aggregate", "'format' = 'json'", "'format' = 'json', 'sink.batch.size' = '10'").contains("sink.batch.size"));
        assertTrue(refusal("aggregate", "'aws.region'", "'aws.regoin'").contains("aws.regoin"));
    }

    @Test
    void refusesStartPositionsAndReadersWithoutTheirSettings() {
        assertTrue(refusal("dedup-filter", "'TRIM_HORIZON'", "'AT_TIMESTAMP'").contains("source.init.position AT_TIMESTAMP needs source.init.timestamp"));
        assertTrue(refusal("dedup-filter", "'TRIM_HORIZON'", "'EARLIEST'").contains("must be LATEST, TRIM_HORIZON or AT_TIMESTAMP"));
        assertTrue(refusal("aggregate", "'format' = 'raw'", "'format' = 'raw', 'source.reader.type' = 'EFO'")
                .contains("source.reader.type EFO needs source.efo.consumer.name"));
        explain("aggregate", sql -> sql.replace("'format' = 'raw'",
                "'format' = 'raw', 'source.reader.type' = 'EFO', 'source.efo.consumer.name' = 'sluice-aggregate'"));
    }

    @Test
    void refusesALakeTableWithoutTheStackKey() {
        assertTrue(refusal("dedup-filter", "'s3.sse.type' = 'kms'", "'s3.sse.type' = 's3'").contains("s3.sse.type must be kms"));
    }

    @Test
    void refusesALakeTableWhoseColumnsDifferFromTheDeclaredTable() {
        String message = refusal("aggregate", "  event_count BIGINT\n) WITH (\n  'connector' = 'iceberg'", "  event_count INT\n) WITH (\n  'connector' = 'iceberg'");
        assertTrue(message.contains("event_count"), message);
    }
}
