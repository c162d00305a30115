package dev.sluice.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * One injected task failure for an unbounded local run ({@code --fail-trigger <file>} of
 * {@link SqlRunner.StreamRun}), so that a user or a test can watch Flink's own restart strategy
 * restore the running job from its latest completed checkpoint, in the same JVM, as it does after
 * any task failure.
 *
 * <p>A probe is added to the job's statement set: one more INSERT that reads the table the job's
 * query reads its source through and passes every record to this function, into a blackhole. The
 * planner reuses the one Kafka source for every INSERT that scans that table, so the probe runs in
 * the source's own task: when the function throws, that task fails and the whole job (one pipelined
 * region) restarts from its checkpoint.
 *
 * <p>The owner of the run asks for the failure by creating the trigger file, whenever it likes (the
 * local mode does once enough records are committed downstream). The function looks for it at most
 * every {@value #CHECK_MILLIS} ms and, at the first record after it appeared, moves it aside
 * (to {@code <file>.injected}, atomically, so only one task attempt can claim it) and throws. A
 * restarted job, or a job started again in a new process, finds no trigger and runs on.
 *
 * <p>Nothing in the job SQL or in a Managed Flink application refers to it: only the runner's
 * {@code --fail-trigger} option adds the probe.
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

    /** How often, at most, the trigger file is looked for: a file system call per record would cost more than the record. */
    static final long CHECK_MILLIS = 50;

    private final String trigger;
    private transient long nextCheckNanos;
    private transient boolean checked;

    public InjectedFailure(Path trigger) {
        this.trigger = trigger.toAbsolutePath().toString();
    }

    /** Where a claimed trigger is moved: its presence says the failure was injected. */
    static Path injected(Path trigger) {
        return trigger.resolveSibling(trigger.getFileName() + ".injected");
    }

    /** Called once per record the task passes (the value goes to the blackhole); throws at the first one after the trigger appeared. */
    public boolean eval(String record) {
        long now = System.nanoTime();
        if (checked && now - nextCheckNanos < 0) {
            return false;
        }
        checked = true;
        nextCheckNanos = now + CHECK_MILLIS * 1_000_000;
        if (claimTrigger()) {
            throw new InjectedTaskFailure("injected task failure (" + trigger + " appeared); Flink restarts the job from its latest completed checkpoint");
        }
        return false;
    }

    private boolean claimTrigger() {
        Path path = Path.of(trigger);
        try {
            Files.move(path, injected(path), StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim the failure trigger " + trigger, e);
        }
    }

    @Override
    public boolean isDeterministic() {
        // The result depends on a file and the clock: never fold or reorder the call.
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
            throw new IllegalArgumentException("--fail-trigger: no failure probe for job '" + job + "'; choose one of: "
                    + String.join(", ", SCANNED.keySet()));
        }
        List<JobSql.Statement> statements = new ArrayList<>();
        statements.add(new JobSql.Create("CREATE TEMPORARY TABLE " + SINK + " (probed BOOLEAN) WITH ('connector' = 'blackhole')"));
        statements.add(new JobSql.Insert("INSERT INTO " + SINK + " SELECT " + FUNCTION + "(record_text) FROM " + scanned));
        return statements;
    }

    /** Registers the function the probe calls, watching {@code trigger}. */
    static void register(TableEnvironment tableEnv, Path trigger) {
        tableEnv.createTemporarySystemFunction(FUNCTION, new InjectedFailure(trigger));
    }
}
