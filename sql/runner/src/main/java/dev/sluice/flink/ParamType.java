package dev.sluice.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The type of a job parameter: how a value given as text is validated, and how it is written
 * into SQL. Every rendering is a complete SQL token (a quoted literal, a list of them, or an
 * INTERVAL expression), built only from values that passed validation, with quotes doubled,
 * so no parameter can change the shape of a statement.
 */
public enum ParamType {
    /** A Kinesis data stream ARN; renders as a string literal. */
    STREAM_ARN("a Kinesis stream ARN such as arn:aws:kinesis:eu-west-1:123456789012:stream/events") {
        private final Pattern arn = Pattern.compile(
                "arn:aws(-[a-z]+)*:kinesis:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}");

        @Override
        String render(String value) {
            require(arn.matcher(value).matches());
            return literal(value);
        }
    },
    /** An AWS region name; renders as a string literal. */
    AWS_REGION("an AWS region such as eu-west-1") {
        private final Pattern region = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");

        @Override
        String render(String value) {
            require(region.matcher(value).matches());
            return literal(value);
        }
    },
    /** An S3 location s3://bucket/prefix (the lake's Iceberg warehouse); renders as a string literal. */
    S3_URI("an S3 location such as s3://sluice-dev-lake-123456789012/curated") {
        private final Pattern uri = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=-]+)*/?");

        @Override
        String render(String value) {
            require(uri.matcher(value).matches());
            return literal(value);
        }
    },
    /** A Glue database name (lower-case letters, digits and _); renders as a string literal. */
    GLUE_DATABASE("a Glue database name such as sluice_dev (lower-case letters, digits and _, at most 255)") {
        private final Pattern name = Pattern.compile("[a-z0-9_]{1,255}");

        @Override
        String render(String value) {
            require(name.matcher(value).matches());
            return literal(value);
        }
    },
    /** A KMS key ARN (server-side encryption of the lake's files); renders as a string literal. */
    KMS_KEY_ARN("a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab") {
        private final Pattern arn = Pattern.compile(
                "arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:key/[A-Za-z0-9-]{1,128}");

        @Override
        String render(String value) {
            require(arn.matcher(value).matches());
            return literal(value);
        }
    },
    /** Where a Kinesis source starts without state; renders as a string literal. */
    START_POSITION("TRIM_HORIZON or LATEST") {
        @Override
        String render(String value) {
            require(value.equals("TRIM_HORIZON") || value.equals("LATEST"));
            return literal(value);
        }
    },
    /** A whole number of seconds used as a Flink duration option; renders as '<n> s'. */
    DURATION_SECONDS("a whole number of seconds between 1 and 31536000") {
        @Override
        String render(String value) {
            return literal(seconds(value, 1) + " s");
        }
    },
    /** A whole number of seconds (zero allowed) used in an expression; renders as an INTERVAL. */
    INTERVAL_SECONDS("a whole number of seconds between 0 and 31536000") {
        @Override
        String render(String value) {
            return interval(seconds(value, 0));
        }
    },
    /** A whole number of seconds (at least one) used in an expression; renders as an INTERVAL. */
    POSITIVE_INTERVAL_SECONDS("a whole number of seconds between 1 and 31536000") {
        @Override
        String render(String value) {
            return interval(seconds(value, 1));
        }
    },
    /** Comma-separated event types ([a-z0-9_]+); renders as a list of string literals. */
    EVENT_TYPE_LIST("a comma-separated list of event types, each [a-z0-9_]+ (or empty)") {
        private final Pattern type = Pattern.compile("[a-z0-9_]+");

        @Override
        String render(String value) {
            return list(value, type);
        }
    },
    /** Comma-separated event names (part(:part)*); renders as a list of string literals. */
    EVENT_NAME_LIST("a comma-separated list of event names, each part(:part)* with parts [a-z0-9_]+ (or empty)") {
        private final Pattern name = Pattern.compile("[a-z0-9_]+(:[a-z0-9_]+)*");

        @Override
        String render(String value) {
            return list(value, name);
        }
    },
    /** Kafka bootstrap servers, host:port[,host:port]...; renders as a string literal. */
    BOOTSTRAP_SERVERS("Kafka bootstrap servers such as 127.0.0.1:9092 or b-1.example:9098,b-2.example:9098") {
        private final Pattern servers = Pattern.compile(
                "[A-Za-z0-9.-]{1,253}:\\d{1,5}(,[A-Za-z0-9.-]{1,253}:\\d{1,5})*");

        @Override
        String render(String value) {
            require(servers.matcher(value).matches());
            return literal(value);
        }
    },
    /** A Kafka topic name (1 to 249 of [A-Za-z0-9._-]); renders as a string literal. */
    TOPIC("a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'") {
        private final Pattern topic = Pattern.compile("[A-Za-z0-9._-]{1,249}");

        @Override
        String render(String value) {
            require(topic.matcher(value).matches() && !value.equals(".") && !value.equals(".."));
            return literal(value);
        }
    },
    /** A Kafka consumer group id (1 to 255 of [A-Za-z0-9._-]); renders as a string literal. */
    CONSUMER_GROUP("a Kafka consumer group id: 1 to 255 letters, digits, '.', '_' or '-'") {
        private final Pattern group = Pattern.compile("[A-Za-z0-9._-]{1,255}");

        @Override
        String render(String value) {
            require(group.matcher(value).matches());
            return literal(value);
        }
    },
    /** Where a Kafka source starts without state (scan.startup.mode); renders as a string literal. */
    KAFKA_STARTUP_MODE("earliest-offset or latest-offset") {
        @Override
        String render(String value) {
            require(value.equals("earliest-offset") || value.equals("latest-offset"));
            return literal(value);
        }
    },
    /** A local file or directory path (local runs only); renders as a string literal. */
    LOCAL_PATH("an absolute local path without control characters") {
        @Override
        String render(String value) {
            require(value.startsWith("/") && value.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f));
            return literal(value);
        }
    };

    private static final long MAX_SECONDS = 365L * 24 * 3600;

    private final String expected;

    ParamType(String expected) {
        this.expected = expected;
    }

    /** What a valid value looks like, for error messages. */
    public String expected() {
        return expected;
    }

    /** Validates {@code value} and returns its SQL text; throws {@link InvalidValue} if invalid. */
    abstract String render(String value);

    static final class InvalidValue extends RuntimeException {
        InvalidValue() {
            super(null, null, false, false);
        }
    }

    private static void require(boolean valid) {
        if (!valid) {
            throw new InvalidValue();
        }
    }

    private static long seconds(String value, long min) {
        require(value.matches("[0-9]{1,9}"));
        long seconds = Long.parseLong(value);
        require(seconds >= min && seconds <= MAX_SECONDS);
        return seconds;
    }

    /** DAY(3) TO SECOND, since Flink's SECOND intervals cannot hold more than 99 seconds. */
    private static String interval(long seconds) {
        return String.format("INTERVAL '%d %02d:%02d:%02d' DAY(3) TO SECOND",
                seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /**
     * An empty list renders as the single literal '' so that {@code x NOT IN (...)} stays valid
     * SQL; no event type or event name can be empty, so it excludes nothing.
     */
    private static String list(String value, Pattern item) {
        if (value.isBlank()) {
            return "''";
        }
        List<String> rendered = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String trimmed = part.strip();
            require(item.matcher(trimmed).matches());
            rendered.add(literal(trimmed));
        }
        return String.join(", ", rendered);
    }
}
