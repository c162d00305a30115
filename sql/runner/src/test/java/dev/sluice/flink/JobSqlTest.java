package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobSqlTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/";

    @Test
    void dedupFilterInTheCloudTakesTheStreamsAndFilterParameters() {
        assertEquals(
                Set.of("dedup_ttl_seconds", "events_stream_arn", "exclude_event_names", "exclude_event_types", "glue_database",
                        "kms_key_arn", "lake_warehouse", "max_future_skew_seconds", "processed_stream_arn", "region", "start_position"),
                JobSql.load("dedup-filter", "cloud").parameters());
    }

    @Test
    void dedupFilterWithAnMskSourceTakesTheTopicBesideTheStreams() {
        Set<String> cloud = JobSql.load("dedup-filter", "cloud").parameters();
        Set<String> msk = new java.util.TreeSet<>(JobSql.load("dedup-filter", "cloud-msk").parameters());
        msk.removeAll(cloud);
        assertEquals(Set.of("msk_bootstrap_servers", "msk_consumer_group", "msk_startup_mode", "msk_topic"), msk);
        assertTrue(JobSql.load("dedup-filter", "cloud-msk").parameters().containsAll(cloud));
    }

    @Test
    void onlyDedupFilterReadsAnMskTopic() {
        assertEquals("job 'aggregate' has no table environment 'cloud-msk': only dedup-filter reads an MSK topic; use 'cloud'",
                assertThrows(IllegalArgumentException.class, () -> JobSql.load("aggregate", "cloud-msk")).getMessage());
    }

    private static Map<String, String> managedFlinkProperties(String job) {
        Map<String, String> p = new java.util.HashMap<>(TestValues.forJob(job, "cloud", CloudTablesTest.params(job)));
        p.put("job", job);
        return p;
    }

    @Test
    void managedFlinkRunsTheCloudTablesUnlessThePropertiesNameTheMskOnes() {
        List<JobSql.Statement> kinesisOnly = SqlRunner.managedFlinkStatements(managedFlinkProperties("dedup-filter"));
        assertTrue(kinesisOnly.stream().noneMatch(s -> s instanceof JobSql.Create c && c.sql().contains("'connector' = 'kafka'")));

        Map<String, String> withMsk = managedFlinkProperties("dedup-filter");
        withMsk.put("tables", "cloud-msk");
        withMsk.putAll(CloudTablesTest.MSK);
        List<JobSql.Statement> both = SqlRunner.managedFlinkStatements(withMsk);
        assertEquals(1, both.stream().filter(s -> s instanceof JobSql.Create c && c.sql().contains("'connector' = 'kafka'")).count());
        assertEquals(1, both.stream().filter(s -> s instanceof JobSql.Create c && c.sql().contains("'connector' = 'kinesis'")
                && c.sql().contains("'source.init.position'")).count());
    }

    @Test
    void managedFlinkRefusesMskParametersWithoutTheMskTablesAndATableEnvironmentOfALaptop() {
        Map<String, String> stray = managedFlinkProperties("dedup-filter");
        stray.putAll(CloudTablesTest.MSK);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SqlRunner.managedFlinkStatements(stray)).getMessage()
                .startsWith("parameter 'msk_bootstrap_servers' is not used by job 'dedup-filter'"));
        Map<String, String> local = managedFlinkProperties("aggregate");
        local.put("tables", "local");
        assertEquals("property 'tables' of runtime property group 'sluice' is 'local'; in Managed Flink it is one of: cloud, cloud-msk"
                        + " (cloud-msk when the stack has sluice:sources.kafka), or absent for cloud",
                assertThrows(IllegalArgumentException.class, () -> SqlRunner.managedFlinkStatements(local)).getMessage());
    }

    @Test
    void refusesAConsumerGroupOrStartupModeThatIsNotOne() {
        JobSql sql = JobSql.load("dedup-filter", "cloud-msk");
        Map<String, String> good = TestValues.forJob("dedup-filter", "cloud-msk", CloudTablesTest.params("dedup-filter", "cloud-msk"));
        sql.render(good);
        Map<String, String> group = new java.util.HashMap<>(good);
        group.put("msk_consumer_group", "sluice', 'x' = 'y");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sql.render(group)).getMessage()
                .startsWith("parameter 'msk_consumer_group' has an invalid value"));
        Map<String, String> mode = new java.util.HashMap<>(good);
        mode.put("msk_startup_mode", "group-offsets");
        assertEquals("parameter 'msk_startup_mode' has an invalid value 'group-offsets': expected earliest-offset or latest-offset. Fix the value.",
                assertThrows(IllegalArgumentException.class, () -> sql.render(mode)).getMessage());
    }

    @Test
    void aggregateLocallyTakesFilesAndWindowParameters() {
        assertEquals(
                Set.of("aggregates_output", "allowed_lateness_seconds", "input_complete_marker", "input_path", "lake_path", "late_events_output",
                        "window_seconds"),
                JobSql.load("aggregate", "local").parameters());
    }

    @Test
    void everyEnvironmentSharesTheQueryLogic() {
        Set<String> cloudOnly = Set.of("region", "start_position", "lake_warehouse", "glue_database", "kms_key_arn");
        for (String job : JobSql.JOBS) {
            Set<String> cloud = JobSql.load(job, "cloud").parameters();
            List<String> queryParameters = cloud.stream().filter(p -> !p.endsWith("_stream_arn") && !cloudOnly.contains(p)).sorted().toList();
            for (String environment : List.of("local", "follow", "kafka")) {
                Set<String> local = JobSql.load(job, environment).parameters();
                assertEquals(queryParameters,
                        local.stream()
                                .filter(p -> !p.endsWith("_output") && !p.endsWith("_topic") && !p.equals("kafka_bootstrap_servers")
                                        && !p.startsWith("input_") && !p.equals("lake_path"))
                                .sorted().toList(),
                        job + " " + environment);
            }
        }
    }

    @Test
    void rendersTheLakeTableOfTheCloudWithTheGlueCatalogAndTheStackKey() {
        List<JobSql.Statement> statements = JobSql.load("dedup-filter", "cloud").render(TestValues.forJob("dedup-filter", "cloud", Map.of(
                "events_stream_arn", ARN + "events",
                "processed_stream_arn", ARN + "processed",
                "region", "eu-west-1",
                "lake_warehouse", "s3://sluice-dev-lake-123456789012/curated",
                "glue_database", "sluice_dev",
                "kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")));
        String lake = statements.stream().filter(s -> s instanceof JobSql.Create c && c.sql().contains("lake_events"))
                .map(s -> ((JobSql.Create) s).sql()).findFirst().orElseThrow();
        for (String option : List.of("'catalog-impl' = 'org.apache.iceberg.aws.glue.GlueCatalog'",
                "'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO'", "'warehouse' = 's3://sluice-dev-lake-123456789012/curated'",
                "'s3.sse.type' = 'kms'", "'s3.sse.key' = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'",
                "'catalog-database' = 'sluice_dev'", "'catalog-table' = 'events'", "'client.region' = 'eu-west-1'")) {
            assertTrue(lake.contains(option), option + " in " + lake);
        }
    }

    @Test
    void refusesALakeLocationThatIsNotAnS3PrefixAndAKeyThatIsNotAKmsKeyArn() {
        JobSql sql = JobSql.load("aggregate", "cloud");
        Map<String, String> good = TestValues.forJob("aggregate", "cloud", Map.of(
                "processed_stream_arn", ARN + "processed", "aggregates_stream_arn", ARN + "aggregates", "region", "eu-west-1",
                "lake_warehouse", "s3://lake-bucket/curated", "glue_database", "sluice_dev",
                "kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/k-1"));
        assertEquals(12, sql.render(good).size());
        Map<String, String> badWarehouse = new java.util.HashMap<>(good);
        badWarehouse.put("lake_warehouse", "s3://lake-bucket/curated' , 'x' = 'y");
        assertEquals("parameter 'lake_warehouse' has an invalid value 's3://lake-bucket/curated' , 'x' = 'y': expected an S3 location"
                        + " such as s3://sluice-dev-lake-123456789012/curated. Fix the value.",
                assertThrows(IllegalArgumentException.class, () -> sql.render(badWarehouse)).getMessage());
        Map<String, String> badKey = new java.util.HashMap<>(good);
        badKey.put("kms_key_arn", "alias/sluice");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sql.render(badKey)).getMessage()
                .startsWith("parameter 'kms_key_arn' has an invalid value 'alias/sluice': expected a KMS key ARN"));
    }

    @Test
    void rendersTheCloudAggregateJobAsSetsCreatesAndTwoInserts() {
        List<JobSql.Statement> statements = JobSql.load("aggregate", "cloud").render(TestValues.forJob("aggregate", "cloud", Map.of(
                "processed_stream_arn", ARN + "processed",
                "aggregates_stream_arn", ARN + "aggregates",
                "region", "eu-west-1",
                "lake_warehouse", "s3://lake-bucket/curated",
                "glue_database", "sluice_dev",
                "kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/k-1")));
        assertEquals(new JobSql.SetOption("table.local-time-zone", "UTC"), statements.get(4));
        long inserts = statements.stream().filter(s -> s instanceof JobSql.Insert).count();
        assertEquals(3, inserts);
        JobSql.Create source = (JobSql.Create) statements.get(0);
        assertTrue(source.sql().contains("'stream.arn' = '" + ARN + "processed'"), source.sql());
        assertTrue(source.sql().contains("'source.init.position' = 'TRIM_HORIZON'"), source.sql());
    }

    @Test
    void rendersTheTtlIntoTheSetStatement() {
        List<JobSql.Statement> statements = JobSql.load("dedup-filter", "local").render(TestValues.forJob("dedup-filter", "local", Map.of(
                "input_path", "/in.jsonl", "input_complete_marker", "/in.jsonl", "processed_output", "/out", "lake_path", "/lake",
                "dedup_ttl_seconds", "7200")));
        assertTrue(statements.contains(new JobSql.SetOption("table.exec.state.ttl", "7200 s")), statements.toString());
    }

    @Test
    void classifiesStatementsCaseInsensitively() {
        assertEquals(new JobSql.SetOption("a.b", "it's"), JobSql.classify("set 'a.b' = 'it''s'"));
        assertInstanceOf(JobSql.Insert.class, JobSql.classify("insert into t\nselect 1"));
        assertInstanceOf(JobSql.Create.class, JobSql.classify("CREATE TEMPORARY VIEW v AS SELECT 1"));
    }

    @Test
    void refusesStatementsAJobMustNotHold() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSql.classify("DROP TABLE t"));
        assertEquals("unsupported statement (a job holds only SET 'key' = 'value', CREATE and INSERT): DROP TABLE t", e.getMessage());
    }

    @Test
    void refusesAnUnknownJobOrEnvironment() {
        assertEquals(
                "unknown job 'dedup'; choose one of: dedup-filter, aggregate",
                assertThrows(IllegalArgumentException.class, () -> JobSql.load("dedup", "local")).getMessage());
        assertEquals(
                "unknown table environment 'prod'; choose one of: cloud, cloud-msk, local, follow, kafka",
                assertThrows(IllegalArgumentException.class, () -> JobSql.load("aggregate", "prod")).getMessage());
    }
}
