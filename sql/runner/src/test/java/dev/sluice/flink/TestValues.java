package dev.sluice.flink;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The processing values the tests run the jobs with: those of a stack that sets none of
 * sluice:processing (the defaults of stacks/schema.ts), which is what most tests need. The runner
 * has no defaults of its own, so a test gives every value a job uses.
 */
final class TestValues {
    private TestValues() {}

    static final Map<String, String> PROCESSING = Map.of(
            "start_position", "TRIM_HORIZON",
            "dedup_ttl_seconds", "86400",
            "exclude_event_types", "",
            "exclude_event_names", "",
            "max_future_skew_seconds", "300",
            "window_seconds", "60",
            "allowed_lateness_seconds", "30");

    /** The processing values of the parameters in {@code used}, overridden by {@code given}. */
    static Map<String, String> forParameters(Set<String> used, Map<String, String> given) {
        Map<String, String> values = new HashMap<>();
        PROCESSING.forEach((name, value) -> {
            if (used.contains(name)) values.put(name, value);
        });
        values.putAll(given);
        return values;
    }

    /** The processing values a job's SQL uses in {@code environment}, overridden by {@code given}. */
    static Map<String, String> forJob(String job, String environment, Map<String, String> given) {
        return forParameters(JobSql.load(job, environment).parameters(), given);
    }
}
