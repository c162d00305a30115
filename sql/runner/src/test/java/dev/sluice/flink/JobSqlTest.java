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
                Set.of("dedup_ttl_seconds", "events_stream_arn", "exclude_event_names", "exclude_event_types",
                        "max_future_skew_seconds", "processed_stream_arn", "region", "start_position"),
                JobSql.load("dedup-filter", "cloud").parameters());
    }

    @Test
    void aggregateLocallyTakesFilesAndWindowParameters() {
        assertEquals(
                Set.of("aggregates_output", "allowed_lateness_seconds", "input_path", "late_events_output", "window_seconds"),
                JobSql.load("aggregate", "local").parameters());
    }

    @Test
    void bothEnvironmentsShareTheQueryLogic() {
        for (String job : JobSql.JOBS) {
            Set<String> cloud = JobSql.load(job, "cloud").parameters();
            Set<String> local = JobSql.load(job, "local").parameters();
            Set<String> kafka = JobSql.load(job, "kafka").parameters();
            assertEquals(
                    local.stream().filter(p -> !p.endsWith("_output") && !p.equals("input_path")).sorted().toList(),
                    kafka.stream().filter(p -> !p.endsWith("_topic") && !p.equals("kafka_bootstrap_servers")).sorted().toList(),
                    job);
            assertEquals(
                    cloud.stream().filter(p -> !p.endsWith("_stream_arn") && !p.equals("region") && !p.equals("start_position")).sorted().toList(),
                    local.stream().filter(p -> !p.endsWith("_output") && !p.equals("input_path")).sorted().toList(),
                    job);
        }
    }

    @Test
    void rendersTheCloudAggregateJobAsSetsCreatesAndTwoInserts() {
        List<JobSql.Statement> statements = JobSql.load("aggregate", "cloud").render(TestValues.forJob("aggregate", "cloud", Map.of(
                "processed_stream_arn", ARN + "processed",
                "aggregates_stream_arn", ARN + "aggregates",
                "region", "eu-west-1")));
        assertEquals(new JobSql.SetOption("table.local-time-zone", "UTC"), statements.get(3));
        long inserts = statements.stream().filter(s -> s instanceof JobSql.Insert).count();
        assertEquals(2, inserts);
        JobSql.Create source = (JobSql.Create) statements.get(0);
        assertTrue(source.sql().contains("'stream.arn' = '" + ARN + "processed'"), source.sql());
        assertTrue(source.sql().contains("'source.init.position' = 'TRIM_HORIZON'"), source.sql());
    }

    @Test
    void rendersTheTtlIntoTheSetStatement() {
        List<JobSql.Statement> statements = JobSql.load("dedup-filter", "local").render(TestValues.forJob("dedup-filter", "local", Map.of(
                "input_path", "/in.jsonl", "processed_output", "/out", "dedup_ttl_seconds", "7200")));
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
                "unknown table environment 'prod'; choose one of: cloud, local, kafka",
                assertThrows(IllegalArgumentException.class, () -> JobSql.load("aggregate", "prod")).getMessage());
    }
}
