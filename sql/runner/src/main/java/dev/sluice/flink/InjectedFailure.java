package dev.sluice.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * One injected task failure for an unbounded local run ({@code --fail-after <n>} of
 * {@link SqlRunner.StreamRun}), so that a user or a test can watch Flink's own restart strategy
 * restore the running job from its latest completed checkpoint, in the same JVM, as it does after
 * any task failure.
 *
 * <p>A probe is added to the job's statement set: one more INSERT that reads the table the job's
 * query reads its source through and passes every record to this function, into a blackhole. The
 * planner reuses the one Kafka source for every INSERT that scans that table, so the probe runs in
 * the source's own task: when the function throws, that task fails and the whole job (one pipelined
 * region) restarts from its checkpoint. The function throws once, at the {@code n}-th record the
 * task passes, and only if it can create the marker file first; a restarted job, or a job started
 * again in a new process with the same checkpoints, finds the marker and never fails again.
 *
 * <p>Nothing in the job SQL or in a Managed Flink application refers to it: only the runner's
 * {@code --fail-after} option adds the probe.
 */
public final class InjectedFailure extends ScalarFunction {
    static final String FUNCTION = "sluice_injected_failure";
    static final String SINK = "sluice_injected_failure_probe";

    /**
     * The table each job's query (job.sql) reads its Kafka source through. The probe must scan the
     * same table, or it would get a source of its own (a second consumer of the topic, failing in a
     * region of its own); {@code InjectedFailureTest} checks the plan has one source.
     */
    static final Map<String, String> SCANNED = Map.of("dedup-filter", "events_arriving", "aggregate", "processed_timed");

    /** The marker's name in the job's checkpoint directory. */
    static final String MARKER = "injected-failure";

    private final long afterRecords;
    private final String marker;
    private transient long passed;

    public InjectedFailure(long afterRecords, Path marker) {
        if (afterRecords < 1) {
            throw new IllegalArgumentException("--fail-after " + afterRecords + " must be at least 1");
        }
        this.afterRecords = afterRecords;
        this.marker = marker.toString();
    }

    /** Called once per record the task passes; throws at the n-th if no failure was injected yet. The value goes to the blackhole. */
    public boolean eval(String record) {
        passed++;
        if (passed == afterRecords && claimMarker()) {
            throw new InjectedTaskFailure("injected task failure at record " + passed + " of this task (--fail-after "
                    + afterRecords + "); Flink restarts the job from its latest completed checkpoint");
        }
        return false;
    }

    /** Creates the marker; false when it exists already (the failure was injected before). */
    private boolean claimMarker() {
        try {
            Files.createFile(Path.of(marker));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the failure marker " + marker, e);
        }
    }

    @Override
    public boolean isDeterministic() {
        // The result depends on how many records came before: never fold or reorder the call.
        return false;
    }

    /** The failure the probe throws; a type of its own, so logs and tests can tell it from a real one. */
    public static final class InjectedTaskFailure extends RuntimeException {
        public InjectedTaskFailure(String message) {
            super(message);
        }
    }

    /**
     * The statements that add the probe to {@code job}: its blackhole sink and its INSERT. The
     * function itself is registered with {@link #register}.
     */
    static List<JobSql.Statement> probe(String job) {
        String scanned = SCANNED.get(job);
        if (scanned == null) {
            throw new IllegalArgumentException("--fail-after: no failure probe for job '" + job + "'; choose one of: "
                    + String.join(", ", SCANNED.keySet()));
        }
        List<JobSql.Statement> statements = new ArrayList<>();
        statements.add(new JobSql.Create("CREATE TEMPORARY TABLE " + SINK + " (probed BOOLEAN) WITH ('connector' = 'blackhole')"));
        statements.add(new JobSql.Insert("INSERT INTO " + SINK + " SELECT " + FUNCTION + "(record_text) FROM " + scanned));
        return statements;
    }

    /** Registers the function the probe calls: throws at record {@code afterRecords}, marker in {@code checkpoints}. */
    static void register(org.apache.flink.table.api.TableEnvironment tableEnv, long afterRecords, Path checkpoints) {
        tableEnv.createTemporarySystemFunction(FUNCTION, new InjectedFailure(afterRecords, checkpoints.resolve(MARKER)));
    }
}
