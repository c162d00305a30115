package dev.sluice.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SourceProgressTest {
    /** A sample at second {@code s}, with {@code cpuMillis} of CPU time, {@code lines} and {@code bytes} read. */
    private static SourceProgress.Sample at(long s, long cpuMillis, long lines, long bytes) {
        return new SourceProgress.Sample(s * 1_000_000_000L, cpuMillis * 1_000_000L, lines, bytes);
    }

    @Test
    void spansTheFirstSampleAtAFifthToTheLastAtNineTenths() {
        List<SourceProgress.Sample> samples = List.of(
                at(0, 0, 0, 0),
                at(1, 5_000, 100, 100),
                at(2, 9_000, 200, 200),
                at(3, 11_000, 400, 400),
                at(4, 13_000, 700, 700),
                at(5, 15_000, 900, 900),
                at(6, 16_000, 950, 950),
                at(7, 18_000, 1_000, 1_000));
        // From the sample at 200 bytes (a fifth of 1,000) to the one at 900 (nine tenths).
        assertEquals(new SourceProgress.Window(700, 6_000, 3_000), SourceProgress.steadyWindow(samples, 1_000, 0.2, 0.9));
        // A fifth not reached exactly: the first sample past it.
        assertEquals(new SourceProgress.Window(500, 4_000, 2_000), SourceProgress.steadyWindow(samples, 1_000, 0.3, 0.9));
    }

    @Test
    void hasNoWindowWhenTheInputIsReadBetweenTwoSamples() {
        assertNull(SourceProgress.steadyWindow(List.of(at(0, 0, 0, 0), at(1, 900, 10, 1_000)), 1_000, 0.2, 0.9));
        assertNull(SourceProgress.steadyWindow(List.of(), 1_000, 0.2, 0.9));
        // Both ends on the same sample: nothing read in between.
        assertNull(SourceProgress.steadyWindow(List.of(at(0, 0, 0, 0), at(1, 500, 50, 500), at(2, 900, 100, 1_000)), 1_000, 0.2, 0.9));
    }
}
