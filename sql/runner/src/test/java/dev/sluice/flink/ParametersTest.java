package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ParametersTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/sluice-dev-events";

    private static Map<String, String> resolve(Set<String> used, Map<String, String> given) {
        return Parameters.resolve("test-job", new TreeSet<>(used), given);
    }

    private static String refusal(Set<String> used, Map<String, String> given) {
        return assertThrows(IllegalArgumentException.class, () -> resolve(used, given)).getMessage();
    }

    @Test
    void rendersAStreamArnAndRegionAsStringLiterals() {
        Map<String, String> r = resolve(Set.of("events_stream_arn", "region"), Map.of("events_stream_arn", ARN, "region", "eu-west-1"));
        assertEquals("'" + ARN + "'", r.get("events_stream_arn"));
        assertEquals("'eu-west-1'", r.get("region"));
    }

    @Test
    void rendersDurationsForSetAndIntervalsForExpressions() {
        Map<String, String> r = resolve(
                Set.of("dedup_ttl_seconds", "window_seconds", "allowed_lateness_seconds", "max_future_skew_seconds"),
                Map.of("dedup_ttl_seconds", "3600", "window_seconds", "90061", "allowed_lateness_seconds", "0", "max_future_skew_seconds", "300"));
        assertEquals("'3600 s'", r.get("dedup_ttl_seconds"));
        assertEquals("INTERVAL '1 01:01:01' DAY(3) TO SECOND", r.get("window_seconds"));
        assertEquals("INTERVAL '0 00:00:00' DAY(3) TO SECOND", r.get("allowed_lateness_seconds"));
        assertEquals("INTERVAL '0 00:05:00' DAY(3) TO SECOND", r.get("max_future_skew_seconds"));
    }

    @Test
    void hasNoDefaultsOfItsOwn() {
        assertEquals(
                "missing parameter 'window_seconds' (the tumbling window size) for job 'test-job': expected a whole number of seconds between 1 and 31536000. Set it with --param window_seconds=<value> locally, or in the application's runtime properties.",
                refusal(Set.of("window_seconds", "region"), Map.of("region", "eu-west-1")));
        for (String name : new String[] {"start_position", "dedup_ttl_seconds", "exclude_event_types", "exclude_event_names", "max_future_skew_seconds", "allowed_lateness_seconds"}) {
            assertEquals(true, refusal(Set.of(name), Map.of()).startsWith("missing parameter '" + name + "'"), name);
        }
    }

    @Test
    void rendersAnEmptyExcludeListAsMatchingNothing() {
        assertEquals("''", resolve(Set.of("exclude_event_types"), Map.of("exclude_event_types", "")).get("exclude_event_types"));
    }

    @Test
    void rendersExcludeListsAsLiteralLists() {
        Map<String, String> r = resolve(
                Set.of("exclude_event_types", "exclude_event_names"),
                Map.of("exclude_event_types", "internal, debug", "exclude_event_names", "account:deleted,payment:order:voided"));
        assertEquals("'internal', 'debug'", r.get("exclude_event_types"));
        assertEquals("'account:deleted', 'payment:order:voided'", r.get("exclude_event_names"));
    }

    @Test
    void refusesValuesThatCouldChangeTheStatement() {
        assertEquals(
                "parameter 'exclude_event_types' has an invalid value 'x') OR TRUE OR ('': expected a comma-separated list of event types, each [a-z0-9_]+ (or empty). Fix the value.",
                refusal(Set.of("exclude_event_types"), Map.of("exclude_event_types", "x') OR TRUE OR ('")));
        assertEquals(
                "parameter 'region' has an invalid value 'eu-west-1\\u000a; DROP TABLE t': expected an AWS region such as eu-west-1. Fix the value.",
                refusal(Set.of("region"), Map.of("region", "eu-west-1\n; DROP TABLE t")));
        assertEquals(
                "parameter 'events_stream_arn' has an invalid value 'arn:aws:kinesis:eu-west-1:123456789012:stream/x',': expected a Kinesis stream ARN such as arn:aws:kinesis:eu-west-1:123456789012:stream/events. Fix the value.",
                refusal(Set.of("events_stream_arn"), Map.of("events_stream_arn", "arn:aws:kinesis:eu-west-1:123456789012:stream/x',")));
    }

    @Test
    void refusesOutOfRangeAndMalformedNumbers() {
        for (String bad : new String[] {"0", "-1", "1.5", "31536001", "1e3", " 60", ""}) {
            assertEquals(
                    "parameter 'window_seconds' has an invalid value '" + bad + "': expected a whole number of seconds between 1 and 31536000. Fix the value.",
                    refusal(Set.of("window_seconds"), Map.of("window_seconds", bad)));
        }
    }

    @Test
    void refusesAnEmptyItemInAList() {
        assertEquals(
                "parameter 'exclude_event_names' has an invalid value 'a:b,,c': expected a comma-separated list of event names, each part(:part)* with parts [a-z0-9_]+ (or empty). Fix the value.",
                refusal(Set.of("exclude_event_names"), Map.of("exclude_event_names", "a:b,,c")));
    }

    @Test
    void refusesAnUnknownParameterNamingTheJobsParameters() {
        assertEquals(
                "unknown parameter 'window_size' for job 'test-job'; this job takes: region, window_seconds. Remove it or correct its name.",
                refusal(Set.of("window_seconds", "region"), Map.of("window_size", "60", "region", "eu-west-1")));
    }

    @Test
    void refusesADeclaredParameterTheJobDoesNotUse() {
        assertEquals(
                "parameter 'window_seconds' is not used by job 'test-job' (it takes: region). Remove it.",
                refusal(Set.of("region"), Map.of("window_seconds", "60", "region", "eu-west-1")));
    }

    @Test
    void refusesAMissingRequiredParameterWithTheFix() {
        assertEquals(
                "missing parameter 'processed_stream_arn' (the processed stream (dedup-filter output, aggregate input)) for job 'test-job': expected a Kinesis stream ARN such as arn:aws:kinesis:eu-west-1:123456789012:stream/events. Set it with --param processed_stream_arn=<value> locally, or in the application's runtime properties.",
                refusal(Set.of("processed_stream_arn"), Map.of()));
    }

    @Test
    void findsPlaceholdersAndRefusesUndeclaredOnes() {
        assertEquals(Set.of("region", "window_seconds"), Parameters.placeholders("a ${region} b ${window_seconds} ${region}", "x.sql"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parameters.placeholders("${nope}", "x.sql"));
        assertEquals(true, e.getMessage().startsWith("x.sql uses ${nope}, which is not a declared parameter"), e.getMessage());
    }

    @Test
    void substitutesRenderedValuesLiterally() {
        assertEquals("x = '$1\\' AND y", Parameters.substitute("x = ${a} AND y", Map.of("a", "'$1\\'")));
    }
}
