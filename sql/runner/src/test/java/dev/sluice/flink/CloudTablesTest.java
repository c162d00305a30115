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
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tables.cloud.sql and tables.cloud-msk.sql, with the job's query logic, planned (EXPLAIN) as
 * Managed Flink would plan it: the Kinesis tables against the option set of flink-connector-aws
 * 6.0.0 (KinesisOptionsStub), the MSK table against the real Kafka connector's table factory
 * (flink-connector-kafka 5.0.0-2.2, the version the deployable jar ships), the lake tables against
 * Iceberg's Flink connector and a catalog standing in for Glue, in which the tables exist with
 * their partition specs as the platform declares them.
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
            TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
            Map<String, String> local = Map.of("input_path", "/in", "input_complete_marker", "/in", "processed_output", "/p",
                    "aggregates_output", "/a", "late_events_output", "/l", "lake_path", "/lake");
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

    /** The MSK source of a stack with sluice:sources.kafka, as infra/processing.ts passes it. */
    static final Map<String, String> MSK = Map.of(
            "msk_bootstrap_servers", "b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098",
            "msk_topic", "orders.events",
            "msk_consumer_group", "sluice-dedup-filter",
            "msk_startup_mode", "earliest-offset");

    static Map<String, String> params(String job, String environment) {
        Map<String, String> p = params(job);
        if (environment.equals("cloud-msk")) {
            p.putAll(MSK);
        }
        return p;
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
        return explain(job, "cloud", edit);
    }

    /** Plans the job's SQL of a cloud table environment, with {@code edit} applied to each statement first. */
    static String explain(String job, String environment, UnaryOperator<String> edit) {
        List<JobSql.Statement> statements = new ArrayList<>();
        for (JobSql.Statement s : JobSql.load(job, environment).render(TestValues.forJob(job, environment, params(job, environment)))) {
            if (s instanceof JobSql.Create c) {
                assertFalse(c.sql().contains("GlueCatalogStandIn"));
                statements.add(new JobSql.Create(edit.apply(c.sql().replace(GLUE, "'catalog-impl' = '" + GlueCatalogStandIn.class.getName() + "'"))));
            } else if (s instanceof JobSql.Insert i) {
                statements.add(new JobSql.Insert(edit.apply(i.sql())));
            } else {
                statements.add(s);
            }
        }
        TableEnvironment env = TableEnvironment.create(LocalJobs.settings());
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

    @Test
    void dedupFilterWithAnMskSourcePlansBothSourcesIntoOneDedup() {
        GlueCatalogStandIn.SEEN.clear();
        String plan = explain("dedup-filter", "cloud-msk", UnaryOperator.identity());
        assertTrue(plan.contains("Sink(table=[default_catalog.default_database.lake_events]"), plan);
        assertTrue(plan.contains("Sink(table=[default_catalog.default_database.processed]"), plan);
        assertFalse(GlueCatalogStandIn.SEEN.isEmpty(), "the lake table's catalog was never loaded");
        List<String> msk = physicalPlan(plan);
        List<String> kinesisOnly = physicalPlan(explain("dedup-filter", UnaryOperator.identity()));
        String kinesis = "TableSourceScan(table=[[default_catalog, default_database, kinesis_events]]";
        String topic = "TableSourceScan(table=[[default_catalog, default_database, msk_events]]";
        // The topic is read wherever the stream is, and the stream wherever events was read before.
        assertEquals(count(kinesisOnly, "TableSourceScan(table=[[default_catalog, default_database, events]]"), count(msk, kinesis), plan);
        assertEquals(count(msk, kinesis), count(msk, topic), plan);
        // As many dedups as without the topic, each over both sources: a copy on the topic of an
        // event on the stream is a copy.
        assertEquals(count(kinesisOnly, "Rank("), count(msk, "Rank("), plan);
        for (int i = 0; i < msk.size(); i++) {
            if (msk.get(i).contains("Rank(")) {
                List<String> below = subtree(msk, i);
                assertEquals(1, count(below, kinesis), String.join("\n", below));
                assertEquals(1, count(below, topic), String.join("\n", below));
            }
        }
    }

    /** The lines of EXPLAIN's optimized physical plan. */
    private static List<String> physicalPlan(String plan) {
        int from = plan.indexOf("== Optimized Physical Plan ==");
        int to = plan.indexOf("== Optimized Execution Plan ==");
        return List.of(plan.substring(from, to).split("\n"));
    }

    private static long count(List<String> lines, String node) {
        return lines.stream().filter(l -> l.contains(node)).count();
    }

    /** Where a plan line's node name starts: after the tree's "+- " and ":  " marks. */
    private static int depth(String line) {
        int i = 0;
        while (i < line.length() && " :+-".indexOf(line.charAt(i)) >= 0) {
            i++;
        }
        return i;
    }

    /** The lines of the nodes below the node on line {@code at}. */
    private static List<String> subtree(List<String> lines, int at) {
        int own = depth(lines.get(at));
        List<String> below = new ArrayList<>();
        for (int i = at + 1; i < lines.size() && depth(lines.get(i)) > own; i++) {
            below.add(lines.get(i));
        }
        return below;
    }

    @Test
    void everyCloudDedupIsTheProcessingTimeKeepFirstRowDedup() {
        for (String environment : List.of("cloud", "cloud-msk")) {
            String plan = explain("dedup-filter", environment, UnaryOperator.identity());
            assertTrue(plan.contains("Deduplicate(keep=[FirstRow], key=[dedup_uuid, dedup_created_at], order=[PROCTIME]"), environment + "\n" + plan);
            // One dedup operator for both sinks: the job's views are planned once and the plan is shared.
            String execution = plan.substring(plan.indexOf("== Optimized Execution Plan =="));
            assertEquals(1, execution.split("Deduplicate\\(", -1).length - 1, environment + "\n" + plan);
        }
    }

    @Test
    void theMskSourceReadsWithIamAccessControl() {
        String msk = JobSql.load("dedup-filter", "cloud-msk").render(TestValues.forJob("dedup-filter", "cloud-msk", params("dedup-filter", "cloud-msk")))
                .stream().filter(s -> s instanceof JobSql.Create c && c.sql().contains("TABLE msk_events"))
                .map(s -> ((JobSql.Create) s).sql()).findFirst().orElseThrow();
        for (String option : List.of(
                "'connector' = 'kafka'",
                "'topic' = 'orders.events'",
                "'properties.bootstrap.servers' = '" + MSK.get("msk_bootstrap_servers") + "'",
                "'properties.group.id' = 'sluice-dedup-filter'",
                "'properties.security.protocol' = 'SASL_SSL'",
                "'properties.sasl.mechanism' = 'AWS_MSK_IAM'",
                "'properties.sasl.jaas.config' = 'software.amazon.msk.auth.iam.IAMLoginModule required;'",
                "'properties.sasl.client.callback.handler.class' = 'software.amazon.msk.auth.iam.IAMClientCallbackHandler'",
                "'scan.startup.mode' = 'earliest-offset'",
                "'format' = 'raw'")) {
            assertTrue(msk.contains(option), option + " in " + msk);
        }
    }

    @Test
    void theMskTablesDeclareTheStreamAndLakeTablesExactlyAsTheKinesisOnlyTables() {
        Map<String, String> cloud = declarations("cloud");
        Map<String, String> msk = declarations("cloud-msk");
        assertEquals(cloud.get("processed"), msk.get("processed"));
        assertEquals(cloud.get("lake_events"), msk.get("lake_events"));
        assertEquals(cloud.get("events").replace("TABLE events", "TABLE kinesis_events"), msk.get("kinesis_events"));
        assertEquals(Set.of("events", "processed", "lake_events"), cloud.keySet());
        assertEquals(Set.of("kinesis_events", "msk_events", "events", "processed", "lake_events"), msk.keySet());
    }

    /** The table and view declarations of dedup-filter's tables file of {@code environment}, by name. */
    private static Map<String, String> declarations(String environment) {
        Map<String, String> byName = new java.util.LinkedHashMap<>();
        JobSql sql = JobSql.load("dedup-filter", environment);
        for (JobSql.Statement s : sql.render(TestValues.forJob("dedup-filter", environment, params("dedup-filter", environment)))) {
            if (s instanceof JobSql.Create c) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("CREATE TEMPORARY (?:TABLE|VIEW) (\\w+)").matcher(c.sql());
                if (m.find() && !m.group(1).startsWith("events_")) {
                    byName.put(m.group(1), c.sql());
                }
            }
        }
        return byName;
    }

    @Test
    void refusesAnMskOptionTheKafkaConnectorDoesNotKnow() {
        String message = refusal("dedup-filter", "cloud-msk", "'scan.startup.mode'", "'scan.startup.mod'");
        assertTrue(message.contains("Unsupported options found for 'kafka'") && message.contains("scan.startup.mod"), message);
        String group = refusal("dedup-filter", "cloud-msk", "'scan.startup.mode' = 'earliest-offset'", "'scan.startup.mode' = 'specific-offsets'");
        assertTrue(group.contains("scan.startup.specific-offsets"), group);
    }

    private static String refusal(String job, String from, String to) {
        return refusal(job, "cloud", from, to);
    }

    private static String refusal(String job, String environment, String from, String to) {
        Throwable e = assertThrows(Throwable.class, () -> explain(job, environment, sql -> sql.replace(from, to)));
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
