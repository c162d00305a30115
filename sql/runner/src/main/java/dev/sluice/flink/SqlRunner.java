package dev.sluice.flink;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepFirstRowFunction;

/**
 * Runs one Sluice Flink SQL job.
 *
 * <p>In Managed Service for Apache Flink (no arguments) the job and its parameters come from the
 * runtime property group {@value #PROPERTY_GROUP}: {@code job} names the job and every other key is
 * a parameter. Locally: {@code --job <name> --input <file.jsonl> --output <dir> [--param k=v]...}
 * runs the job in a mini-cluster over files and writes one JSON-lines file per sink into the
 * output directory.
 */
public final class SqlRunner {
    public static final String PROPERTY_GROUP = "sluice";

    private SqlRunner() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            // In Managed Flink a refusal propagates, so its message lands in the application's log.
            runInManagedFlink();
            return;
        }
        try {
            if (java.util.Arrays.asList(args).contains("--stream")) {
                StreamRun.parse(args).execute();
                return;
            }
            List<LocalRun> runs = LocalRun.parseChain(args);
            if (runs.stream().anyMatch(LocalRun::appended)) {
                // Only the process appending to an input can complete it: if it goes, the run cannot end.
                exitWhenStdinCloses();
            }
            for (LocalRun run : runs) {
                // One line per job as it ends, so the caller can time each job of a chain.
                System.out.println(run.execute());
                System.out.flush();
            }
        } catch (IllegalArgumentException e) {
            System.err.println("sluice-flink-runner: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void runInManagedFlink() throws IOException {
        Properties group = KinesisAnalyticsRuntime.getApplicationProperties().get(PROPERTY_GROUP);
        if (group == null) {
            throw new IllegalArgumentException(
                    "runtime property group '" + PROPERTY_GROUP + "' is missing; add it with a 'job' property");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        group.stringPropertyNames().forEach(key -> properties.put(key, group.getProperty(key)));
        List<JobSql.Statement> statements = managedFlinkStatements(properties);
        StreamTableEnvironment tableEnv = StreamTableEnvironment.create(
                StreamExecutionEnvironment.getExecutionEnvironment(), EnvironmentSettings.inStreamingMode());
        submit(tableEnv, statements);
    }

    /**
     * The statements of the job named by the runtime properties: {@code job} names it, {@code tables}
     * its table environment ({@code cloud} when absent, {@code cloud-msk} with an MSK source), and
     * every other property is a parameter of its SQL.
     */
    static List<JobSql.Statement> managedFlinkStatements(Map<String, String> properties) {
        Map<String, String> params = new LinkedHashMap<>(properties);
        String job = params.remove("job");
        if (job == null) {
            throw new IllegalArgumentException(
                    "property 'job' is missing from runtime property group '" + PROPERTY_GROUP
                            + "'; set it to one of: " + String.join(", ", JobSql.JOBS));
        }
        String tables = params.remove("tables");
        String environment = tables == null ? "cloud" : tables;
        if (!JobSql.CLOUD_ENVIRONMENTS.contains(environment)) {
            throw new IllegalArgumentException(
                    "property 'tables' of runtime property group '" + PROPERTY_GROUP + "' is '" + environment
                            + "'; in Managed Flink it is one of: " + String.join(", ", JobSql.CLOUD_ENVIRONMENTS)
                            + " (cloud-msk when the stack has sluice:sources.kafka), or absent for cloud");
        }
        return JobSql.load(job, environment).render(params);
    }

    /**
     * Applies the SET options, declares the tables and views, and submits all INSERTs as one
     * statement set, so that they form one Flink job sharing its sources.
     */
    static TableResult submit(TableEnvironment tableEnv, List<JobSql.Statement> statements) {
        return submit(tableEnv, statements, env -> {});
    }

    /** As {@link #submit(TableEnvironment, List)}, with {@code beforeInserts} run once the tables are declared. */
    static TableResult submit(TableEnvironment tableEnv, List<JobSql.Statement> statements, Consumer<TableEnvironment> beforeInserts) {
        return statementSet(tableEnv, statements, beforeInserts).execute();
    }

    /** The job's INSERTs as one statement set, once its options are set and its tables declared. */
    static StatementSet statementSet(TableEnvironment tableEnv, List<JobSql.Statement> statements, Consumer<TableEnvironment> beforeInserts) {
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.SetOption set) {
                tableEnv.getConfig().set(set.key(), set.value());
            }
        }
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.Create create) {
                tableEnv.executeSql(create.sql());
            }
        }
        beforeInserts.accept(tableEnv);
        StatementSet inserts = tableEnv.createStatementSet();
        int insertCount = 0;
        for (JobSql.Statement statement : statements) {
            if (statement instanceof JobSql.Insert insert) {
                inserts.addInsertSql(insert.sql());
                insertCount++;
            }
        }
        if (insertCount == 0) {
            throw new IllegalArgumentException("the job has no INSERT statement; nothing to run");
        }
        return inserts;
    }

    /**
     * A run of one job in a local mini-cluster: over a file to its end (tables.local.sql), or over
     * a directory followed for new files until stopped (tables.follow.sql, {@code --input-dir}),
     * with checkpoints every {@code checkpointInterval} when given. The lake tables go to the
     * Iceberg catalog of the local lake {@code lake}. With an {@code inputCompleteMarker}
     * ({@code --input-complete-when}) the input file is still being appended to while the job
     * reads it: the job reads it a full buffer at a time as it is written, and ends once the
     * marker file exists and every line before it is read.
     */
    public record LocalRun(String job, Path input, Path inputCompleteMarker, boolean follow, Path output, Path lake,
            Duration checkpointInterval, Map<String, String> params) {
        private static final String OUTPUT_SUFFIX = "_output";
        /**
         * The summary's steady figure: CPU time and records between the moments the source had read
         * a fifth and nine tenths of the input, sampled every {@value #PROGRESS_SAMPLE_MILLIS} ms.
         * The first fifth holds the JIT compiler's warm-up, the last tenth the end of the job.
         */
        static final double STEADY_FROM = 0.2;
        static final double STEADY_TO = 0.9;
        static final long PROGRESS_SAMPLE_MILLIS = 100;

        public LocalRun(String job, Path input, Path output, Map<String, String> params) {
            this(job, input, null, false, output, output.resolve("lake"), null, params);
        }

        /** Whether another process is still appending to the input (the run has a completion marker). */
        boolean appended() {
            return inputCompleteMarker != null;
        }

        /** Separates the runs of a chain: {@code <run> --then <run>...}. */
        static final String THEN = "--then";

        /**
         * The runs of a command line that chains one or more runs with {@value #THEN}, executed one
         * after another in this JVM: a later run may read an earlier run's output, so only the first
         * run's input must exist before the chain starts. Every run's options are checked first, so a
         * mistake in the last one is reported before the first job runs.
         */
        public static List<LocalRun> parseChain(String[] args) {
            List<LocalRun> runs = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= args.length; i++) {
                if (i == args.length || args[i].equals(THEN)) {
                    String[] part = java.util.Arrays.copyOfRange(args, start, i);
                    if (part.length == 0) {
                        throw new IllegalArgumentException(THEN + " separates two runs; a run is missing before or after it");
                    }
                    runs.add(parse(part, runs.isEmpty()));
                    start = i + 1;
                }
            }
            return runs;
        }

        public static LocalRun parse(String[] args) {
            return parse(args, true);
        }

        private static LocalRun parse(String[] args, boolean inputMustExist) {
            String job = null;
            Path input = null;
            Path completeMarker = null;
            Path inputDir = null;
            Path output = null;
            Path lake = null;
            Duration checkpoints = null;
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value; usage: " + usage());
                }
                String value = args[++i];
                switch (flag) {
                    case "--job" -> job = value;
                    case "--input" -> input = Path.of(value).toAbsolutePath().normalize();
                    case "--input-complete-when" -> completeMarker = Path.of(value).toAbsolutePath().normalize();
                    case "--input-dir" -> inputDir = Path.of(value).toAbsolutePath().normalize();
                    case "--output" -> output = Path.of(value).toAbsolutePath().normalize();
                    case "--lake" -> lake = Path.of(value).toAbsolutePath().normalize();
                    case "--checkpoint-interval-ms" -> {
                        if (!value.matches("[0-9]{1,9}") || Long.parseLong(value) < 10) {
                            throw new IllegalArgumentException(
                                    "--checkpoint-interval-ms '" + value + "' is not a whole number of milliseconds of at least 10");
                        }
                        checkpoints = Duration.ofMillis(Long.parseLong(value));
                    }
                    case "--param" -> {
                        int eq = value.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(
                                    "--param '" + value + "' is not key=value; write it as --param name=value");
                        }
                        String key = value.substring(0, eq);
                        if (key.startsWith("input_") || key.equals("lake_path") || key.endsWith(OUTPUT_SUFFIX)) {
                            throw new IllegalArgumentException("parameter '" + key
                                    + "' is set from --input/--input-complete-when/--input-dir/--output/--lake; remove --param " + key);
                        }
                        params.put(key, value.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + flag + "; usage: " + usage());
                }
            }
            if (job == null || (input == null) == (inputDir == null) || output == null) {
                throw new IllegalArgumentException(
                        "--job, one of --input or --input-dir, and --output are required; usage: " + usage());
            }
            if (input != null && inputMustExist && !Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--input " + input + " is not a readable file; give a JSON-lines file");
            }
            if (completeMarker != null && input == null) {
                throw new IllegalArgumentException(
                        "--input-complete-when marks when an --input file is complete; a followed --input-dir has no end, remove it");
            }
            if (inputDir != null && !Files.isDirectory(inputDir)) {
                throw new IllegalArgumentException("--input-dir " + inputDir + " is not a directory; give the directory new JSON-lines files appear in");
            }
            if (inputDir != null && checkpoints == null) {
                throw new IllegalArgumentException(
                        "--input-dir needs --checkpoint-interval-ms: a followed run commits its outputs on checkpoints");
            }
            boolean follow = inputDir != null;
            return new LocalRun(job, follow ? inputDir : input, completeMarker, follow, output,
                    lake == null ? output.resolve("lake") : lake, checkpoints, params);
        }

        static String usage() {
            return "--job <" + String.join("|", JobSql.JOBS) + "> (--input <file.jsonl> [--input-complete-when <file>] | --input-dir <dir>)"
                    + " --output <dir>"
                    + " [--lake <dir>] [--checkpoint-interval-ms <n>] [--param name=value]... [" + THEN + " <another run>]...";
        }

        /** The job SQL of this run with its parameters, and the sink directories by sink name. */
        record Rendered(List<JobSql.Statement> statements, Map<String, Path> sinks) {}

        Rendered render(Path sinkRoot) {
            JobSql sql = JobSql.load(job, follow ? "follow" : "local");
            Map<String, String> given = new LinkedHashMap<>(params);
            given.put("input_path", input.toString());
            if (sql.parameters().contains("input_complete_marker")) {
                // An input nobody appends to is complete from the start: its own existence says so.
                given.put("input_complete_marker", (appended() ? inputCompleteMarker : input).toString());
            }
            if (sql.parameters().contains("lake_path")) {
                given.put("lake_path", lake.toString());
            }
            Map<String, Path> sinks = new LinkedHashMap<>();
            for (String name : sql.parameters()) {
                if (name.endsWith(OUTPUT_SUFFIX)) {
                    String sink = name.substring(0, name.length() - OUTPUT_SUFFIX.length()).replace('_', '-');
                    Path dir = sinkRoot.resolve(sink);
                    given.put(name, dir.toString());
                    sinks.put(sink, dir);
                }
            }
            return new Rendered(sql.render(given), sinks);
        }

        /**
         * Submits the job to a mini-cluster set up by {@code conf}, with the dedup's exchange forwarded
         * and the dedup run as LocalKeepFirstRowDedup (executeLocally); the lake tables exist before it plans.
         */
        public JobClient submit(Configuration conf, Path sinkRoot) throws Exception {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            return executeLocally(env, streamGraph(env, conf, sinkRoot));
        }

        /** The job's operators as the planner lays them out, added to {@code env}. */
        StreamGraph streamGraph(StreamExecutionEnvironment env, Configuration conf, Path sinkRoot) throws IOException {
            Rendered rendered = render(sinkRoot);
            Files.createDirectories(lake);
            return localStreamGraph(env, conf, job, rendered.statements(), new LocalLake(lake)::ensureTables);
        }

        /**
         * Runs the job to the end of the input and returns a one-line JSON summary; a followed run
         * runs until the process is stopped.
         */
        public String execute() throws Exception {
            if (follow) {
                Files.createDirectories(output);
                submit(localConfiguration(checkpointInterval), output).getJobExecutionResult().get();
                return "{\"job\":" + jsonString(job) + ",\"stopped\":true}";
            }
            if (!Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--input " + input + " is not a readable file when its run starts; give a"
                        + " JSON-lines file (in a chain, " + THEN + ", one an earlier run writes: <its --output>/<sink>.jsonl)");
            }
            Path parts = output.resolve(".parts");
            deleteTree(parts);
            Files.createDirectories(parts);
            // The part files are scratch: a failed or refused run leaves none of them behind either.
            try {
                return runToEnd(parts);
            } finally {
                deleteTree(parts);
            }
        }

        private String runToEnd(Path parts) throws Exception {
            Map<String, Path> sinks = render(parts).sinks();

            long cpuBefore = processCpuNanos();
            long started = System.nanoTime();
            SourceProgress.reset();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "source-progress-sampler");
                thread.setDaemon(true);
                return thread;
            });
            // A queue, not a copy-on-write list: a run over a large file takes tens of thousands of samples.
            Queue<SourceProgress.Sample> samples = new ConcurrentLinkedQueue<>();
            // An input still appended to has no size to take fractions of: nothing to sample.
            if (!appended()) {
                sampler.scheduleAtFixedRate(() -> samples.add(SourceProgress.sample(System.nanoTime(), processCpuNanos())),
                        0, PROGRESS_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
            }
            try {
                submit(localConfiguration(checkpointInterval), parts).getJobExecutionResult().get();
            } finally {
                sampler.shutdownNow();
            }
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            long cpuMillis = (processCpuNanos() - cpuBefore) / 1_000_000;
            SourceProgress.Window steady = appended() ? null
                    : SourceProgress.steadyWindow(List.copyOf(samples), Files.size(input), STEADY_FROM, STEADY_TO);

            List<String> summaries = new ArrayList<>();
            for (Map.Entry<String, Path> sink : sinks.entrySet()) {
                Path target = output.resolve(sink.getKey() + ".jsonl");
                long records = concatenateParts(sink.getValue(), target);
                summaries.add("\"" + sink.getKey() + "\":{\"path\":" + jsonString(target.toString())
                        + ",\"records\":" + records + "}");
            }
            // The tables' live files as `LocalLake --lake` prints them: a reader of the lake after this
            // run needs no JVM of its own to list them.
            List<String> lakeTables = new ArrayList<>();
            for (LocalLake.TableFiles files : new LocalLake(lake).liveFiles(LocalLake.TABLES).values()) {
                if (files.snapshotId() != null) {
                    lakeTables.add(files.toJson());
                }
            }
            return "{\"job\":" + jsonString(job) + ",\"elapsed_ms\":" + elapsedMillis + ",\"cpu_ms\":" + cpuMillis
                    + ",\"steady\":" + (steady == null ? "null" : steady.toJson())
                    + ",\"outputs\":{" + String.join(",", summaries) + "},\"lake\":{\"path\":" + jsonString(lake.toString())
                    + ",\"tables\":{" + String.join(",", lakeTables) + "}}}";
        }
    }

    /**
     * An unbounded run of one job in a local mini-cluster over Kafka (tables.kafka.sql), with
     * checkpoints in a local directory: {@code --job <name> --stream --checkpoints <dir>
     * [--checkpoint-interval-ms <n>] [--restore <chk-dir>] [--fail-trigger <file>] [--param k=v]...}. It
     * prints one JSON line when the job is running, then one line each time the job's status
     * changes (RESTARTING when a task failed and Flink's restart strategy restores the job from
     * its latest checkpoint, RUNNING again after), and runs until the process is stopped.
     * {@code --restore} starts from a retained checkpoint, as Managed Flink restores an application
     * from its snapshot; {@code --fail-trigger} lets its owner inject one task failure by creating
     * the file ({@link InjectedFailure}).
     */
    public record StreamRun(String job, Path checkpoints, long checkpointIntervalMillis, Path restore, Path lake, Path failTrigger,
            Map<String, String> params) {
        /** How often the job's status is read for the status lines; a restart waits 1 s, so none is missed. */
        private static final long STATUS_POLL_MILLIS = 100;

        public static StreamRun parse(String[] args) {
            String job = null;
            Path checkpoints = null;
            long interval = 5_000;
            Path restore = null;
            Path lake = null;
            Path failTrigger = null;
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--stream")) {
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value; usage: " + usage());
                }
                String value = args[++i];
                switch (flag) {
                    case "--job" -> job = value;
                    case "--checkpoints" -> checkpoints = Path.of(value).toAbsolutePath().normalize();
                    case "--checkpoint-interval-ms" -> {
                        try {
                            interval = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            interval = -1;
                        }
                        if (interval < 100) {
                            throw new IllegalArgumentException("--checkpoint-interval-ms " + value + " is not a whole number of at least 100");
                        }
                    }
                    case "--restore" -> restore = Path.of(value).toAbsolutePath().normalize();
                    case "--fail-trigger" -> {
                        if (value.isBlank()) {
                            throw new IllegalArgumentException("--fail-trigger needs a file path: the file whose creation fails a task once");
                        }
                        failTrigger = Path.of(value).toAbsolutePath().normalize();
                    }
                    case "--lake" -> lake = Path.of(value).toAbsolutePath().normalize();
                    case "--param" -> {
                        int eq = value.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(
                                    "--param '" + value + "' is not key=value; write it as --param name=value");
                        }
                        params.put(value.substring(0, eq), value.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + flag + "; usage: " + usage());
                }
            }
            if (job == null || checkpoints == null || lake == null) {
                throw new IllegalArgumentException("--job, --checkpoints and --lake are required; usage: " + usage());
            }
            if (restore != null && !Files.isRegularFile(restore.resolve("_metadata"))) {
                throw new IllegalArgumentException("--restore " + restore + " is not a completed checkpoint (it has no _metadata file)");
            }
            if (failTrigger != null && !Files.isDirectory(failTrigger.getParent())) {
                throw new IllegalArgumentException("--fail-trigger " + failTrigger + ": its directory does not exist; create it first");
            }
            return new StreamRun(job, checkpoints, interval, restore, lake, failTrigger, params);
        }

        static String usage() {
            return "--job <" + String.join("|", JobSql.JOBS) + "> --stream --checkpoints <dir> --lake <dir> [--checkpoint-interval-ms <n>]"
                    + " [--restore <chk-dir>] [--fail-trigger <file>] [--param name=value]...";
        }

        /** The job's statements, with the failure probe when {@code --fail-trigger} is given. */
        List<JobSql.Statement> statements() {
            Map<String, String> given = new LinkedHashMap<>(params);
            given.put("lake_path", lake.toString());
            List<JobSql.Statement> statements = new ArrayList<>(JobSql.load(job, "kafka").render(given));
            if (failTrigger != null) {
                statements.addAll(InjectedFailure.probe(job));
            }
            return statements;
        }

        /** Declares the lake tables (and the probe's function) once the job's tables are declared. */
        void beforeInserts(TableEnvironment tableEnv) {
            new LocalLake(lake).ensureTables(tableEnv);
            if (failTrigger != null) {
                InjectedFailure.register(tableEnv, failTrigger);
            }
        }

        public void execute() throws Exception {
            List<JobSql.Statement> statements = statements();
            exitWhenStdinCloses();
            Configuration conf = localConfiguration();
            conf.setString("execution.checkpointing.interval", checkpointIntervalMillis + " ms");
            conf.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
            conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
            // A checkpoint outlives the process, so a crashed run can be started again from it.
            conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
            conf.setString("restart-strategy.type", "fixed-delay");
            conf.setString("restart-strategy.fixed-delay.attempts", "3");
            conf.setString("restart-strategy.fixed-delay.delay", "1 s");
            if (restore != null) {
                conf.setString("execution.state-recovery.path", restore.toUri().toString());
            }
            Files.createDirectories(lake);
            Files.createDirectories(checkpoints);
            JobClient client = submitLocally(conf, job, statements, this::beforeInserts);
            String jobId = client.getJobID().toHexString();
            System.out.println("{\"job\":" + jsonString(job) + ",\"job_id\":" + jsonString(jobId)
                    + ",\"checkpoints\":" + jsonString(checkpoints.resolve(jobId).toString())
                    + ",\"restored_from\":" + (restore == null ? "null" : jsonString(restore.toString()))
                    + ",\"fail_trigger\":" + (failTrigger == null ? "null" : jsonString(failTrigger.toString())) + "}");
            System.out.flush();
            reportStatusChanges(client);
            client.getJobExecutionResult().get();
        }

        /** Prints {"job_status": ..., "at_ms": ...} each time the job's status changes, from a daemon thread. */
        private static void reportStatusChanges(JobClient client) {
            Thread reporter = new Thread(() -> {
                JobStatus last = null;
                while (last == null || !last.isGloballyTerminalState()) {
                    try {
                        JobStatus now = client.getJobStatus().get();
                        if (now != last) {
                            System.out.println("{\"job_status\":" + jsonString(now.name()) + ",\"at_ms\":" + System.currentTimeMillis() + "}");
                            System.out.flush();
                            last = now;
                        }
                        Thread.sleep(STATUS_POLL_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    } catch (java.util.concurrent.ExecutionException e) {
                        // The job is gone (the run is ending); result.await() reports why.
                        return;
                    }
                }
            }, "status-reporter");
            reporter.setDaemon(true);
            reporter.start();
        }
    }

    static final long EXIT_GRACE_MILLIS = 5_000;

    /**
     * An unbounded run, or one over an input still being appended to, is started by a local process
     * that owns it: when that process goes, however it goes, the standard input it gave this one
     * closes and the job stops with it. The JVM exits through its shutdown hooks, which remove its
     * scratch directory; a hook that hangs cannot keep it alive longer than
     * {@value #EXIT_GRACE_MILLIS} ms.
     */
    static void exitWhenStdinCloses() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Nothing is sent; the read only waits for the end of the stream.
                }
            } catch (IOException e) {
                // A broken pipe means the same as the end of the stream.
            }
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(EXIT_GRACE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(0);
            }, "owner-gone-halt");
            halt.setDaemon(true);
            halt.start();
            System.exit(0);
        }, "owner-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** CPU time of this JVM (all threads: operators, mini-cluster, JIT and GC), for benchmarks. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * The mini-cluster setup that makes a local run deterministic and small: one parallel
     * instance of every operator, so records keep the file's order end to end; watermarks
     * emitted right after the record that advances them (auto-watermark interval 0) instead of
     * on a wall-clock timer, so which events are late depends only on the input; object reuse
     * between chained operators, for throughput; and little
     * managed memory, since a laptop or CI machine has few cores and little RAM to spare.
     * Checkpoints every {@code checkpointInterval}, exactly once, when it is given.
     */
    static Configuration localConfiguration(Duration checkpointInterval) {
        Configuration conf = localConfiguration();
        if (checkpointInterval != null) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
            conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, org.apache.flink.core.execution.CheckpointingMode.EXACTLY_ONCE);
        }
        return conf;
    }

    /**
     * Submits the statements to a mini-cluster set up by {@code conf}, as {@link #submit(TableEnvironment,
     * List, Consumer)} does, with the dedup's exchange forwarded and the dedup run as
     * LocalKeepFirstRowDedup (executeLocally).
     */
    static JobClient submitLocally(Configuration conf, String job, List<JobSql.Statement> statements,
            Consumer<TableEnvironment> beforeInserts) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        return executeLocally(env, localStreamGraph(env, conf, job, statements, beforeInserts));
    }

    /** The statements' operators as the planner lays them out, added to {@code env}, as the job {@code sluice <job>}. */
    static StreamGraph localStreamGraph(StreamExecutionEnvironment env, Configuration conf, String job,
            List<JobSql.Statement> statements, Consumer<TableEnvironment> beforeInserts) {
        StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env,
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
        ((StreamStatementSet) statementSet(tableEnv, statements, beforeInserts)).attachAsDataStream();
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("sluice " + job);
        return graph;
    }

    /** Submits a local job's graph with the dedup chained to its source and swept lightly (forwardExchangesIntoDedup, useLocalDedup). */
    private static JobClient executeLocally(StreamExecutionEnvironment env, StreamGraph graph) throws Exception {
        forwardExchangesIntoDedup(graph);
        useLocalDedup(graph);
        return env.executeAsync(graph);
    }

    /**
     * Makes the exchange into the dedup a forward one when both sides have one instance each, so
     * the mini-cluster chains the dedup to its source: a record passes from the file through the
     * dedup to the sinks as an object, instead of being serialized into a network buffer and read
     * back. With one instance on each side the hash partitioner sends every record to the same
     * place, and the dedup takes each record's key from the record itself, so what the job computes
     * is unchanged. Only the dedup's: the planner's two-phase window aggregation (in aggregate)
     * hands its global phase rows that only a serializing exchange turns into the types it reads
     * (a slice end held as a long where a timestamp is declared). Returns how many exchanges it
     * changed.
     */
    static int forwardExchangesIntoDedup(StreamGraph graph) {
        int changed = 0;
        for (StreamNode node : graph.getStreamNodes()) {
            for (StreamEdge edge : node.getOutEdges()) {
                StreamNode target = graph.getStreamNode(edge.getTargetId());
                if (node.getParallelism() == 1 && target.getParallelism() == 1 && keepFirstDedup(target) != null
                        && !(edge.getPartitioner() instanceof ForwardPartitioner)) {
                    edge.setPartitioner(new ForwardPartitioner<>());
                    changed++;
                }
            }
        }
        return changed;
    }

    /**
     * Runs each first-row dedup the planner built as {@link LocalKeepFirstRowDedup}: the same rows
     * and state, with the heap state's expired keys swept one entry per access instead of five.
     * The node, its id and its chaining stay as planned, and the state keeps its name and type, so a
     * checkpoint taken before the swap restores after it. Returns how many dedups it swapped.
     */
    static int useLocalDedup(StreamGraph graph) {
        int swapped = 0;
        for (StreamNode node : graph.getStreamNodes()) {
            ProcTimeDeduplicateKeepFirstRowFunction planned = keepFirstDedup(node);
            if (planned != null && planned.getClass() == ProcTimeDeduplicateKeepFirstRowFunction.class) {
                SimpleOperatorFactory<RowData> local = SimpleOperatorFactory.of(new KeyedProcessOperator<>(LocalKeepFirstRowDedup.of(planned)));
                local.setChainingStrategy(node.getOperatorFactory().getChainingStrategy());
                node.setOperatorFactory(local);
                swapped++;
            }
        }
        return swapped;
    }

    /** The node's first-row dedup function (Flink's, or LocalKeepFirstRowDedup once swapped); null when it runs something else. */
    private static ProcTimeDeduplicateKeepFirstRowFunction keepFirstDedup(StreamNode node) {
        return node.getOperatorFactory() instanceof SimpleOperatorFactory<?> factory
                && factory.getOperator() instanceof KeyedProcessOperator<?, ?, ?> operator
                && operator.getUserFunction() instanceof ProcTimeDeduplicateKeepFirstRowFunction dedup ? dedup : null;
    }

    private static Path scratch;

    /**
     * This JVM's scratch directory for Flink's io, blob and web-upload directories, under
     * java.io.tmpdir and removed when the JVM exits: Flink leaves its web-upload directory behind.
     */
    static synchronized Path flinkScratch() {
        if (scratch == null) {
            try {
                Path dir = Files.createTempDirectory("sluice-flink-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        deleteTreeAlongsideOthers(dir);
                    } catch (IOException | UncheckedIOException e) {
                        System.err.println("could not remove Flink's scratch directory " + dir + ": " + e.getMessage());
                    }
                }));
                scratch = dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create Flink's scratch directory under " + System.getProperty("java.io.tmpdir"), e);
            }
        }
        return scratch;
    }

    static Configuration localConfiguration() {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.TMP_DIRS, flinkScratch().toString());
        conf.set(WebOptions.UPLOAD_DIR, flinkScratch().resolve("web-upload").toString());
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ZERO);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("32m"));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 1);
        // Chained operators hand rows over without copying them; the table runtime never
        // changes a row it has emitted.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        return conf;
    }

    /** Joins the finished part files of a filesystem sink, in the order Flink wrote them. */
    static long concatenateParts(Path dir, Path target) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> listing = Files.walk(dir)) {
                listing.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName().toString().startsWith("part-"))
                        .forEach(files::add);
            }
        }
        files.sort(Comparator.comparing(SqlRunner::partOrder));
        byte[] buffer = new byte[1 << 20];
        if (files.size() == 1) {
            // One part (the usual case below the rolling size): moved, not copied.
            long records = countLines(files.get(0), buffer);
            Files.move(files.get(0), target, StandardCopyOption.REPLACE_EXISTING);
            return records;
        }
        long records = 0;
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        out.write(buffer, 0, n);
                        records += Newlines.count(buffer, n);
                    }
                }
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        return records;
    }

    private static long countLines(Path file, byte[] buffer) throws IOException {
        long records = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                records += Newlines.count(buffer, n);
            }
        }
        return records;
    }

    /** part-&lt;uuid&gt;-&lt;subtask&gt;-&lt;counter&gt;: order by subtask, then counter. */
    private static String partOrder(Path file) {
        String[] fields = file.getFileName().toString().split("-");
        int n = fields.length;
        try {
            return String.format("%010d-%010d", Integer.parseInt(fields[n - 2]), Integer.parseInt(fields[n - 1]));
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return file.getFileName().toString();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static final int SCRATCH_REMOVAL_ATTEMPTS = 40;
    static final long SCRATCH_REMOVAL_PAUSE_MILLIS = 25;

    /**
     * Removes {@code root} while other threads may still delete or create files in it: the JVM runs
     * shutdown hooks concurrently, and Flink's own (its blob server's, its io manager's) clean their
     * directories inside the scratch directory at the same time as this. A file they remove between
     * the listing and its deletion is skipped; a directory they remove during the listing, or fill
     * after it, means another pass. Gives up after SCRATCH_REMOVAL_ATTEMPTS passes, within the
     * owner-gone halt's grace period.
     */
    static void deleteTreeAlongsideOthers(Path root) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                deleteTree(root);
                return;
            } catch (IOException | UncheckedIOException e) {
                if (attempt == SCRATCH_REMOVAL_ATTEMPTS) {
                    throw e;
                }
            }
            try {
                Thread.sleep(SCRATCH_REMOVAL_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while removing " + root, e);
            }
        }
    }

    static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
