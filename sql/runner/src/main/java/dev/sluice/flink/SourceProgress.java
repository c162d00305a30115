package dev.sluice.flink;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the local file source ({@link LinesReaderFormat}) has read, for the runner's steady-state
 * figure: the mini-cluster runs in the runner's JVM, so the reader's counts are visible to the
 * runner's sampler. Runs of one JVM follow one another, and each starts from zero ({@link #reset}).
 */
final class SourceProgress {
    private static final AtomicLong LINES = new AtomicLong();
    private static final AtomicLong BYTES = new AtomicLong();

    private SourceProgress() {
    }

    static void reset() {
        LINES.set(0);
        BYTES.set(0);
    }

    /** Called by the reader once per batch, not per line. */
    static void read(long lines, long bytes) {
        LINES.addAndGet(lines);
        BYTES.addAndGet(bytes);
    }

    /** One reading of the JVM's clock, its CPU time and the source's progress. */
    record Sample(long nanos, long cpuNanos, long lines, long bytes) {
    }

    static Sample sample(long nanos, long cpuNanos) {
        return new Sample(nanos, cpuNanos, LINES.get(), BYTES.get());
    }

    /** The records read, the CPU time and the wall time between two samples. */
    record Window(long records, long cpuMillis, long elapsedMillis) {
        String toJson() {
            return "{\"records\":" + records + ",\"cpu_ms\":" + cpuMillis + ",\"elapsed_ms\":" + elapsedMillis + "}";
        }
    }

    /**
     * The span from the first sample at which the source had read {@code fromFraction} of the
     * input's bytes to the last at which it had read no more than {@code toFraction}: past the JIT
     * compiler's warm-up and before the job's last commit. Null when no two samples span it with
     * records read in between (an input read in fewer samples than that).
     */
    static Window steadyWindow(List<Sample> samples, long inputBytes, double fromFraction, double toFraction) {
        Sample first = null;
        Sample last = null;
        for (Sample s : samples) {
            if (first == null && s.bytes() >= fromFraction * inputBytes) {
                first = s;
            }
            if (s.bytes() <= toFraction * inputBytes) {
                last = s;
            }
        }
        if (first == null || last == null || last.lines() <= first.lines() || last.cpuNanos() <= first.cpuNanos()) {
            return null;
        }
        return new Window(last.lines() - first.lines(), (last.cpuNanos() - first.cpuNanos()) / 1_000_000,
                (last.nanos() - first.nanos()) / 1_000_000);
    }
}
