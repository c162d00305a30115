package dev.sluice.flink;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters the job SQL may use, each with a declared type. SQL refers to a parameter as
 * ${name}; a placeholder naming no declared parameter is an error in the SQL itself. There are no
 * defaults here: they live once, in the stack config schema (stacks/schema.ts), and every caller
 * (the Pulumi program, sluice flink, sluice local) passes every value a job uses.
 */
public final class Parameters {
    public static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    /** One declared parameter; every one a job uses must be given. */
    public record Spec(String name, ParamType type, String description) {}

    private static final Map<String, Spec> DECLARED = new LinkedHashMap<>();

    static {
        declare("events_stream_arn", ParamType.STREAM_ARN, "the events stream (dedup-filter input)");
        declare("processed_stream_arn", ParamType.STREAM_ARN, "the processed stream (dedup-filter output, aggregate input)");
        declare("aggregates_stream_arn", ParamType.STREAM_ARN, "the aggregates stream (aggregate output)");
        declare("region", ParamType.AWS_REGION, "the region of the streams");
        declare("start_position", ParamType.START_POSITION, "where a source starts when the job has no state");
        declare("dedup_ttl_seconds", ParamType.DURATION_SECONDS, "how long a seen (event_uuid, created_at) is remembered");
        declare("exclude_event_types", ParamType.EVENT_TYPE_LIST, "event types dropped by the filter");
        declare("exclude_event_names", ParamType.EVENT_NAME_LIST, "event names dropped by the filter");
        declare("max_future_skew_seconds", ParamType.INTERVAL_SECONDS, "how far created_at may be after ingested_at");
        declare("window_seconds", ParamType.POSITIVE_INTERVAL_SECONDS, "the tumbling window size");
        declare("allowed_lateness_seconds", ParamType.INTERVAL_SECONDS, "how far the watermark trails the latest created_at");
        declare("lake_warehouse", ParamType.S3_URI, "the Iceberg warehouse: the lake bucket's curated/ prefix");
        declare("glue_database", ParamType.GLUE_DATABASE, "the Glue database holding the Iceberg tables events and aggregates");
        declare("kms_key_arn", ParamType.KMS_KEY_ARN, "the stack key, for SSE-KMS on the lake's data and metadata files");
        declare("kafka_bootstrap_servers", ParamType.BOOTSTRAP_SERVERS, "the Kafka brokers (streaming runs)");
        declare("events_topic", ParamType.TOPIC, "the events topic (dedup-filter input, streaming runs)");
        declare("processed_topic", ParamType.TOPIC, "the processed topic (dedup-filter output, aggregate input, streaming runs)");
        declare("aggregates_topic", ParamType.TOPIC, "the aggregates topic (aggregate output, streaming runs)");
        declare("msk_bootstrap_servers", ParamType.BOOTSTRAP_SERVERS, "the MSK cluster's IAM brokers (dedup-filter's second source, tables cloud-msk)");
        declare("msk_topic", ParamType.TOPIC, "the MSK topic dedup-filter reads beside the events stream (tables cloud-msk)");
        declare("msk_consumer_group", ParamType.CONSUMER_GROUP, "the consumer group dedup-filter reads the MSK topic as (tables cloud-msk)");
        declare("msk_startup_mode", ParamType.KAFKA_STARTUP_MODE, "where the MSK source starts when the job has no state (tables cloud-msk)");
        declare("input_path", ParamType.LOCAL_PATH, "the input JSON-lines file (local runs)");
        declare("input_complete_marker", ParamType.LOCAL_PATH,
                "a file whose existence says the input file is complete: the input itself, or the marker of an input still appended to (local runs)");
        declare("processed_output", ParamType.LOCAL_PATH, "the processed output directory (local runs)");
        declare("aggregates_output", ParamType.LOCAL_PATH, "the aggregates output directory (local runs)");
        declare("late_events_output", ParamType.LOCAL_PATH, "the late events output directory (local runs)");
        declare("lake_path", ParamType.LOCAL_PATH, "the local lake directory; its curated/ namespace holds the Iceberg tables (local runs)");
    }

    private Parameters() {}

    private static void declare(String name, ParamType type, String description) {
        DECLARED.put(name, new Spec(name, type, description));
    }

    public static Map<String, Spec> declared() {
        return Collections.unmodifiableMap(DECLARED);
    }

    /** The names of the placeholders in {@code sql}; throws if one names no declared parameter. */
    public static Set<String> placeholders(String sql, String origin) {
        Set<String> names = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(sql);
        while (m.find()) {
            String name = m.group(1);
            if (!DECLARED.containsKey(name)) {
                throw new IllegalArgumentException(
                        origin + " uses ${" + name + "}, which is not a declared parameter; declared: "
                                + String.join(", ", DECLARED.keySet()) + ". Fix the SQL or declare it in Parameters.");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * Checks the given values against what {@code job} uses and renders each used parameter as
     * SQL text. Unknown, unused, missing and invalid values are refused with a message that
     * names the parameter and the fix.
     */
    public static Map<String, String> resolve(String job, Set<String> used, Map<String, String> given) {
        for (String name : new TreeSet<>(given.keySet())) {
            if (!DECLARED.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown parameter '" + name + "' for job '" + job + "'; this job takes: "
                                + String.join(", ", used) + ". Remove it or correct its name.");
            }
            if (!used.contains(name)) {
                throw new IllegalArgumentException(
                        "parameter '" + name + "' is not used by job '" + job + "' (it takes: "
                                + String.join(", ", used) + "). Remove it.");
            }
        }
        Map<String, String> rendered = new LinkedHashMap<>();
        for (String name : used) {
            Spec spec = DECLARED.get(name);
            String value = given.get(name);
            if (value == null) {
                throw new IllegalArgumentException(
                        "missing parameter '" + name + "' (" + spec.description() + ") for job '" + job
                                + "': expected " + spec.type().expected() + ". Set it with --param " + name
                                + "=<value> locally, or in the application's runtime properties.");
            }
            try {
                rendered.put(name, spec.type().render(value));
            } catch (ParamType.InvalidValue e) {
                throw new IllegalArgumentException(
                        "parameter '" + name + "' has an invalid value '" + printable(value) + "': expected "
                                + spec.type().expected() + ". Fix the value.");
            }
        }
        return rendered;
    }

    /** Replaces each placeholder in {@code statement} by its rendered value. */
    public static String substitute(String statement, Map<String, String> rendered) {
        Matcher m = PLACEHOLDER.matcher(statement);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(rendered.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(200).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
