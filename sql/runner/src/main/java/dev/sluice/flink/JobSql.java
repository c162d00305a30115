package dev.sluice.flink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL of one job as packaged in the jar: the table declarations of one environment
 * (sql/&lt;job&gt;/tables.&lt;env&gt;.sql) followed by the job's query logic (sql/&lt;job&gt;/job.sql).
 */
public final class JobSql {
    public static final List<String> JOBS = List.of("dedup-filter", "aggregate");
    public static final List<String> ENVIRONMENTS = List.of("cloud", "cloud-msk", "local", "follow", "kafka");
    /**
     * The environments a Managed Flink application runs: cloud (Kinesis), or cloud-msk (Kinesis and
     * an Amazon MSK topic, when the stack has sluice:sources.kafka).
     */
    public static final List<String> CLOUD_ENVIRONMENTS = List.of("cloud", "cloud-msk");
    /** The jobs that read an MSK topic when the stack has one: tables.cloud-msk.sql exists for these only. */
    public static final List<String> MSK_JOBS = List.of("dedup-filter");

    private static final Pattern SET = Pattern.compile(
            "SET\\s+'((?:[^']|'')+)'\\s*=\\s*'((?:[^']|'')*)'", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern INSERT = Pattern.compile("INSERT\\s.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern CREATE = Pattern.compile("CREATE\\s.*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** A statement of a job, by what the runner does with it. */
    public sealed interface Statement permits SetOption, Create, Insert {}

    /** A configuration option, applied before anything else is planned. */
    public record SetOption(String key, String value) implements Statement {}

    /** A table or view declaration, executed as is. */
    public record Create(String sql) implements Statement {}

    /** An INSERT; all of a job's INSERTs run together as one statement set. */
    public record Insert(String sql) implements Statement {}

    private final String job;
    private final List<String> statements;
    private final Set<String> parameters;

    private JobSql(String job, List<String> statements, Set<String> parameters) {
        this.job = job;
        this.statements = statements;
        this.parameters = parameters;
    }

    /** Loads the packaged SQL of {@code job} with the tables of {@code environment}. */
    public static JobSql load(String job, String environment) {
        if (!JOBS.contains(job)) {
            throw new IllegalArgumentException(
                    "unknown job '" + job + "'; choose one of: " + String.join(", ", JOBS));
        }
        if (!ENVIRONMENTS.contains(environment)) {
            throw new IllegalArgumentException(
                    "unknown table environment '" + environment + "'; choose one of: " + String.join(", ", ENVIRONMENTS));
        }
        if (environment.equals("cloud-msk") && !MSK_JOBS.contains(job)) {
            throw new IllegalArgumentException(
                    "job '" + job + "' has no table environment 'cloud-msk': only " + String.join(", ", MSK_JOBS)
                            + " reads an MSK topic; use 'cloud'");
        }
        List<String> statements = new ArrayList<>();
        Set<String> parameters = new TreeSet<>();
        for (String file : List.of("tables." + environment + ".sql", "job.sql")) {
            String path = "sql/" + job + "/" + file;
            String text = resource(path);
            for (String statement : SqlScript.split(text)) {
                parameters.addAll(Parameters.placeholders(statement, path));
                statements.add(statement);
            }
        }
        return new JobSql(job, statements, parameters);
    }

    public String job() {
        return job;
    }

    /** The parameters this job's SQL uses. */
    public Set<String> parameters() {
        return java.util.Collections.unmodifiableSet(parameters);
    }

    /** The job's statements with {@code given} parameters validated and substituted. */
    public List<Statement> render(Map<String, String> given) {
        Map<String, String> rendered = Parameters.resolve(job, parameters, given);
        List<Statement> result = new ArrayList<>();
        for (String statement : statements) {
            result.add(classify(Parameters.substitute(statement, rendered)));
        }
        return result;
    }

    static Statement classify(String statement) {
        Matcher set = SET.matcher(statement);
        if (set.matches()) {
            return new SetOption(set.group(1).replace("''", "'"), set.group(2).replace("''", "'"));
        }
        if (INSERT.matcher(statement).matches()) {
            return new Insert(statement);
        }
        if (CREATE.matcher(statement).matches()) {
            return new Create(statement);
        }
        throw new IllegalArgumentException(
                "unsupported statement (a job holds only SET 'key' = 'value', CREATE and INSERT): "
                        + statement.lines().findFirst().orElse(""));
    }

    private static String resource(String path) {
        try (InputStream in = JobSql.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not packaged in the runner jar; rebuild it with mvn package");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
